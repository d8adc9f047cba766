// mlpipe/data/detail/table_io.hpp: table::save and table::load, mlpipe's binary table format. Bodies only
// (MLPIPE_DECL): data/impl/table.ipp includes it, so it compiles once into libmlpipe (inline with MLPIPE_HEADER_ONLY).
// Layout (little-endian): "MLPTABLE" u32 version u32 flags, u64 rows, u64 columns, columns..., u64 checksum.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/data/table.hpp>

namespace mlpipe::detail {

inline constexpr char table_magic[8] = {'M', 'L', 'P', 'T', 'A', 'B', 'L', 'E'};
inline constexpr std::uint32_t table_format_version = 1;

/// Writes to a stream while hashing every byte (the trailer checksum detects corruption on load).
class table_writer {
 public:
  explicit table_writer(const std::filesystem::path& file) : file_(file), out_(file, std::ios::binary | std::ios::trunc) {
    if (!out_) throw table_file_error(file_, "cannot open for writing");
  }
  void bytes(const void* p, std::size_t n) {
    h_.update(p, n);
    out_.write(static_cast<const char*>(p), static_cast<std::streamsize>(n));
  }
  template <class T>
  void number(T v) {
    if constexpr (std::endian::native == std::endian::big) v = byteswap_value(v);
    bytes(&v, sizeof v);
  }
  template <class T>
  void numbers(const T* p, std::size_t n) {
    if constexpr (std::endian::native == std::endian::little)
      bytes(p, n * sizeof(T));
    else
      for (std::size_t i = 0; i < n; ++i) number(p[i]);
  }
  void text(std::string_view s) {
    number(static_cast<std::uint64_t>(s.size()));
    bytes(s.data(), s.size());
  }
  void finish() {
    std::uint64_t sum = h_.digest();
    number_unhashed(sum);
    out_.close();
    if (!out_) {
      std::error_code ec;
      std::filesystem::remove(file_, ec);  // a partial table would keep a full disk full
      throw table_file_error(file_, "write failed (disk full?)");
    }
  }

  template <class T>
  static T byteswap_value(T v) {
    unsigned char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));
    for (std::size_t i = 0; i < sizeof(T) / 2; ++i) std::swap(b[i], b[sizeof(T) - 1 - i]);
    std::memcpy(&v, b, sizeof(T));
    return v;
  }

 private:
  template <class T>
  void number_unhashed(T v) {
    if constexpr (std::endian::native == std::endian::big) v = byteswap_value(v);
    out_.write(reinterpret_cast<const char*>(&v), sizeof v);
  }
  std::filesystem::path file_;
  std::ofstream out_;
  hasher h_{0x4d4c50544142ULL};
};

/// Bounds-checked reader over a whole file's bytes; every shortfall is reported as truncation.
class table_reader {
 public:
  table_reader(const std::filesystem::path& file, const std::vector<char>& data, std::size_t end)
      : file_(file), data_(data), end_(end) {}
  void need(std::size_t n, const char* what) {
    if (n > end_ - pos_)
      throw table_file_error(file_, std::string("truncated or corrupt table file (") + what + " at byte " +
                                        std::to_string(pos_) + " runs past the end)");
  }
  void bytes(void* p, std::size_t n, const char* what) {
    need(n, what);
    std::memcpy(p, data_.data() + pos_, n);
    pos_ += n;
  }
  template <class T>
  T number(const char* what) {
    T v;
    bytes(&v, sizeof v, what);
    if constexpr (std::endian::native == std::endian::big) v = table_writer::byteswap_value(v);
    return v;
  }
  template <class T, class V = std::vector<T>>
  V numbers(std::uint64_t n, const char* what) {
    if (n > (end_ - pos_) / sizeof(T)) need(end_ - pos_ + 1, what);
    V v(static_cast<std::size_t>(n));
    bytes(v.data(), v.size() * sizeof(T), what);
    if constexpr (std::endian::native == std::endian::big)
      for (auto& x : v) x = table_writer::byteswap_value(x);
    return v;
  }
  std::string text(const char* what) {
    auto n = number<std::uint64_t>(what);
    if (n > end_ - pos_) need(end_ - pos_ + 1, what);
    std::string s(static_cast<std::size_t>(n), '\0');
    bytes(s.data(), s.size(), what);
    return s;
  }
  std::size_t position() const noexcept { return pos_; }
  [[noreturn]] void corrupt(const std::string& what) const {
    throw table_file_error(file_, "corrupt table file: " + what);
  }

 private:
  const std::filesystem::path& file_;
  const std::vector<char>& data_;
  std::size_t end_;
  std::size_t pos_ = 0;
};

}  // namespace mlpipe::detail

namespace mlpipe {

MLPIPE_DECL void table::save(const std::filesystem::path& file) const {
  detail::table_writer w(file);
  w.bytes(detail::table_magic, sizeof detail::table_magic);
  w.number<std::uint32_t>(detail::table_format_version);
  w.number<std::uint32_t>(0);  // flags, reserved
  w.number<std::uint64_t>(rows_);
  w.number<std::uint64_t>(cols_.size());
  for (auto& c : cols_) {
    w.number<std::uint8_t>(static_cast<std::uint8_t>(c.kind()));
    w.text(c.name());
    w.numbers(c.validity_.data(), c.validity_.size());
    switch (c.kind()) {
      case column_kind::numeric: w.numbers(c.values_.data(), c.values_.size()); break;
      case column_kind::categorical:
        w.number<std::uint64_t>(c.dict_.size());
        for (auto& s : c.dict_) w.text(s);
        w.numbers(c.codes_.data(), c.codes_.size());
        break;
      case column_kind::string:
        w.numbers(c.offsets_.data(), c.offsets_.size());
        w.text(c.chars_);
        break;
    }
  }
  w.finish();
}

MLPIPE_DECL table table::load(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw table_file_error(file, "cannot open table file (does it exist?)");
  in.seekg(0, std::ios::end);
  auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  if (size < sizeof detail::table_magic)
    throw table_file_error(file, "not an mlpipe table file (only " + std::to_string(size) + " bytes)");
  std::vector<char> data(size);
  in.read(data.data(), static_cast<std::streamsize>(size));
  if (!in) throw table_file_error(file, "read failed");
  if (std::memcmp(data.data(), detail::table_magic, sizeof detail::table_magic) != 0)
    throw table_file_error(file, "not an mlpipe table file (bad magic bytes; expected \"MLPTABLE\")");
  const std::size_t header = sizeof detail::table_magic + 4 + 4 + 8 + 8;
  if (size < header + 8) throw table_file_error(file, "truncated table file (" + std::to_string(size) + " bytes)");
  {
    detail::table_reader r(file, data, size);
    char m[8];
    r.bytes(m, 8, "magic");
    auto version = r.number<std::uint32_t>("version");
    if (version == 0 || version > detail::table_format_version)
      throw table_file_error(file, "table format version " + std::to_string(version) +
                                       " is not supported (this mlpipe reads up to version " +
                                       std::to_string(detail::table_format_version) + ")");
  }
  // The checksum over everything before the trailer catches truncation and bit flips alike.
  std::uint64_t stored;
  std::memcpy(&stored, data.data() + size - 8, 8);
  if constexpr (std::endian::native == std::endian::big) stored = detail::table_writer::byteswap_value(stored);
  if (fingerprint_bytes(data.data(), size - 8, 0x4d4c50544142ULL) != stored)
    throw table_file_error(file, "corrupt or truncated table file (checksum mismatch)");

  detail::table_reader r(file, data, size - 8);
  char m[8];
  r.bytes(m, 8, "magic");
  r.number<std::uint32_t>("version");
  r.number<std::uint32_t>("flags");
  auto rows = r.number<std::uint64_t>("row count");
  auto ncols = r.number<std::uint64_t>("column count");
  if (ncols > size) r.corrupt("column count " + std::to_string(ncols) + " exceeds the file size");
  table t;
  for (std::uint64_t j = 0; j < ncols; ++j) {
    auto kind = r.number<std::uint8_t>("column kind");
    if (kind > 2) r.corrupt("unknown column kind " + std::to_string(kind) + " for column " + std::to_string(j));
    auto name = r.text("column name");
    auto validity = r.numbers<std::uint64_t>(detail::validity_words(rows), "validity bitmap");
    column c(name, static_cast<column_kind>(kind), rows);
    c.validity_ = std::move(validity);
    switch (c.kind()) {
      case column_kind::numeric: c.values_ = r.numbers<double, detail::column_vector<double>>(rows, "numeric values"); break;
      case column_kind::categorical: {
        auto n = r.number<std::uint64_t>("dictionary size");
        if (n > size) r.corrupt("dictionary size " + std::to_string(n) + " of column '" + name + "'");
        c.dict_.reserve(static_cast<std::size_t>(n));
        for (std::uint64_t k = 0; k < n; ++k) c.dict_.push_back(r.text("dictionary entry"));
        c.codes_ = r.numbers<std::uint32_t, detail::column_vector<std::uint32_t>>(rows, "category codes");
        for (auto code : c.codes_)
          if (code != column::missing_code && code >= c.dict_.size())
            r.corrupt("category code outside the dictionary in column '" + name + "'");
        break;
      }
      case column_kind::string: {
        c.offsets_ = r.numbers<std::uint64_t>(rows + 1, "string offsets");
        c.chars_ = r.text("string characters");
        if (c.offsets_.front() != 0 || c.offsets_.back() > c.chars_.size() ||
            !std::is_sorted(c.offsets_.begin(), c.offsets_.end()))
          r.corrupt("string offsets of column '" + name + "' are inconsistent");
        break;
      }
    }
    c.clear_padding();
    c.recount();
    try {
      t.add(std::move(c));
    } catch (const table_error& e) {
      r.corrupt(e.what());
    }
  }
  if (r.position() != size - 8) r.corrupt("unexpected bytes after the last column");
  t.rows_ = static_cast<std::size_t>(rows);
  return t;
}

}  // namespace mlpipe
