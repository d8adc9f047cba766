// mlpipe/data/table.hpp: the columnar table every stage reads (numeric, categorical and string columns).
// Zero-copy row-range views ("blocks") iterated with range-v3, a binary file format and a content fingerprint.
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>
#include <new>
#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>
#include <xtensor/xadapt.hpp>

#include <mlpipe/core/fingerprint.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mlpipe {

class table;

/// How a column's values are stored.
enum class column_kind : std::uint8_t { numeric, categorical, string };

// column_kind reads and writes as its name in JSON ("numeric", "categorical", "string").
NLOHMANN_JSON_SERIALIZE_ENUM(column_kind, {{column_kind::numeric, "numeric"},
                                           {column_kind::categorical, "categorical"},
                                           {column_kind::string, "string"}})

inline constexpr std::string_view to_string(column_kind k) noexcept {
  switch (k) {
    case column_kind::numeric: return "numeric";
    case column_kind::categorical: return "categorical";
    case column_kind::string: return "string";
  }
  return "unknown";
}

/// Misuse of a table or column (wrong kind, unknown name, length mismatch).
class table_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A table file that cannot be read: foreign, truncated, corrupt or from a newer format version.
class table_file_error : public std::runtime_error {
 public:
  table_file_error(std::filesystem::path file, const std::string& what)
      : std::runtime_error(file.string() + ": " + what), file_(std::move(file)) {}
  const std::filesystem::path& file() const noexcept { return file_; }

 private:
  std::filesystem::path file_;
};

namespace detail {

#if defined(__linux__)
/// Freed large blocks kept for the next table of the same size (chunks of a stream, repeated reads), so
/// their pages are not faulted in and zeroed again. A request that fits no kept block releases them all
/// first: the process never holds more than its largest live set plus nothing.
class huge_block_cache {
 public:
  static huge_block_cache& instance() {
    static auto* c = new huge_block_cache;  // never destroyed: tables in static storage may outlive any order
    return *c;
  }
  void* take(std::size_t len) {
    std::lock_guard<std::mutex> lock(m_);
    for (std::size_t i = 0; i < blocks_.size(); ++i)
      if (blocks_[i].second == len) {  // exact sizes only: a block is unmapped with the length it was given
        void* p = blocks_[i].first;
        total_ -= len;
        blocks_.erase(blocks_.begin() + static_cast<std::ptrdiff_t>(i));
        return p;
      }
    release_locked();
    return nullptr;
  }
  bool give(void* p, std::size_t len) {
    std::lock_guard<std::mutex> lock(m_);
    if (total_ + len > max_total || blocks_.size() >= max_blocks) return false;
    blocks_.emplace_back(p, len);
    total_ += len;
    return true;
  }
  void release() {
    std::lock_guard<std::mutex> lock(m_);
    release_locked();
  }

 private:
  static constexpr std::size_t max_total = std::size_t{256} << 20, max_blocks = 64;
  void release_locked() {
    for (auto& [p, len] : blocks_) ::munmap(p, len);
    blocks_.clear();
    total_ = 0;
  }
  std::mutex m_;
  std::vector<std::pair<void*, std::size_t>> blocks_;
  std::size_t total_ = 0;
};
#endif

/// Allocator for column storage: blocks of 2 MiB and more come straight from mmap, aligned and marked for
/// transparent huge pages on Linux. Faulting in a large table 4 KiB at a time costs more than parsing it on
/// many machines (notably virtual ones); 2 MiB pages cut those faults 512-fold.
template <class T>
struct column_allocator {
  using value_type = T;
  static constexpr std::size_t huge = std::size_t{2} << 20;
  column_allocator() noexcept = default;
  template <class U>
  column_allocator(const column_allocator<U>&) noexcept {}  // NOLINT: allocators convert implicitly

  T* allocate(std::size_t n) {
    if (n > std::numeric_limits<std::size_t>::max() / sizeof(T)) throw std::bad_array_new_length();
    std::size_t bytes = n * sizeof(T);
#if defined(__linux__)
    if (bytes >= huge) {
      std::size_t len = (bytes + huge - 1) & ~(huge - 1);
      if (void* kept = huge_block_cache::instance().take(len)) return static_cast<T*>(kept);
      void* raw = ::mmap(nullptr, len + huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (raw == MAP_FAILED) throw std::bad_alloc();
      auto r = reinterpret_cast<std::uintptr_t>(raw);
      std::uintptr_t a = (r + huge - 1) & ~(std::uintptr_t{huge} - 1);
      if (a > r) ::munmap(raw, a - r);
      if (r + len + huge > a + len) ::munmap(reinterpret_cast<void*>(a + len), r + len + huge - (a + len));
      ::madvise(reinterpret_cast<void*>(a), len, MADV_HUGEPAGE);
      return reinterpret_cast<T*>(a);
    }
#endif
    return static_cast<T*>(::operator new(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
#if defined(__linux__)
    std::size_t bytes = n * sizeof(T);
    if (bytes >= huge) {
      std::size_t len = (bytes + huge - 1) & ~(huge - 1);
      if (!huge_block_cache::instance().give(p, len)) ::munmap(p, len);
      return;
    }
#endif
    ::operator delete(p);
  }
  // resize() without arguments leaves numbers uninitialized (readers overwrite every slot they keep).
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0)
      ::new (static_cast<void*>(p)) U;
    else
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
  template <class U>
  friend bool operator==(const column_allocator&, const column_allocator<U>&) noexcept {
    return true;
  }
};

template <class T>
using column_vector = std::vector<T, column_allocator<T>>;

/// Tag for builders that guarantee the invariants (NaN / missing_code in missing rows, codes inside the
/// dictionary), so construction skips re-checking every row.
struct trusted_t {};

inline std::size_t validity_words(std::size_t rows) noexcept { return (rows + 63) / 64; }

/// Appends the first `bits` bits of `src` to `dst`, which holds `at` bits (any bits of dst past `at` are zero),
/// a word at a time.
inline void append_bits(std::vector<std::uint64_t>& dst, std::size_t at, std::span<const std::uint64_t> src,
                        std::size_t bits) {
  dst.resize(validity_words(at + bits), 0);
  const unsigned shift = at & 63;
  for (std::size_t w = 0; w < validity_words(bits); ++w) {
    std::uint64_t v = src[w];
    if (w + 1 == validity_words(bits) && (bits & 63)) v &= (std::uint64_t{1} << (bits & 63)) - 1;
    dst[(at >> 6) + w] |= v << shift;
    if (shift && (at >> 6) + w + 1 < dst.size()) dst[(at >> 6) + w + 1] |= v >> (64 - shift);
  }
}

inline bool test_bit(std::span<const std::uint64_t> bits, std::size_t i) noexcept {
  return (bits[i >> 6] >> (i & 63)) & 1u;
}

/// Number of set bits in [begin, end) of a bitmap.
inline std::size_t count_bits(std::span<const std::uint64_t> bits, std::size_t begin, std::size_t end) noexcept {
  if (begin >= end) return 0;
  std::size_t wb = begin >> 6, we = (end - 1) >> 6;
  auto mask_from = [](std::size_t b) { return ~std::uint64_t{0} << (b & 63); };
  auto mask_to = [](std::size_t e) {  // bits [0, e&63] inclusive of the last row
    std::size_t r = e & 63;
    return r == 63 ? ~std::uint64_t{0} : ((std::uint64_t{1} << (r + 1)) - 1);
  };
  if (wb == we) return static_cast<std::size_t>(std::popcount(bits[wb] & mask_from(begin) & mask_to(end - 1)));
  std::size_t n = static_cast<std::size_t>(std::popcount(bits[wb] & mask_from(begin)));
  for (std::size_t w = wb + 1; w < we; ++w) n += static_cast<std::size_t>(std::popcount(bits[w]));
  n += static_cast<std::size_t>(std::popcount(bits[we] & mask_to(end - 1)));
  return n;
}

[[noreturn]] inline void wrong_kind(const std::string& name, column_kind have, column_kind want) {
  throw table_error("column '" + name + "' is " + std::string(to_string(have)) + ", not " +
                    std::string(to_string(want)));
}

}  // namespace detail

/// One named column. Missing values have a cleared validity bit; numeric missing rows also hold NaN and
/// categorical missing rows hold `column::missing_code`, so plain loops over values()/codes() are safe.
class column {
 public:
  static constexpr std::uint32_t missing_code = std::numeric_limits<std::uint32_t>::max();

  column() = default;

  const std::string& name() const noexcept { return name_; }
  column_kind kind() const noexcept { return kind_; }
  std::size_t size() const noexcept { return size_; }
  bool is_numeric() const noexcept { return kind_ == column_kind::numeric; }
  bool is_categorical() const noexcept { return kind_ == column_kind::categorical; }
  bool is_string() const noexcept { return kind_ == column_kind::string; }

  bool is_valid(std::size_t row) const noexcept { return detail::test_bit(validity_, row); }
  std::size_t missing_count() const noexcept { return missing_; }
  /// Bit i of word i/64 is set when row i is present. Always ceil(size/64) words; padding bits are 0.
  std::span<const std::uint64_t> validity() const noexcept { return validity_; }

  // ---- numeric ----
  std::span<const double> values() const {
    check(column_kind::numeric);
    return values_;
  }
  std::span<double> values() {
    check(column_kind::numeric);
    return values_;
  }
  /// An xtensor view over values(), no copy (1-D, shape {size()}).
  auto as_xtensor() const {
    check(column_kind::numeric);
    return xt::adapt(values_.data(), values_.size(), xt::no_ownership(),
                     std::vector<std::size_t>{values_.size()});
  }

  // ---- categorical ----
  std::span<const std::uint32_t> codes() const {
    check(column_kind::categorical);
    return codes_;
  }
  const std::vector<std::string>& dictionary() const {
    check(column_kind::categorical);
    return dict_;
  }
  /// The category of a row ("" when missing).
  std::string_view category(std::size_t row) const {
    check(column_kind::categorical);
    auto c = codes_[row];
    return c == missing_code ? std::string_view{} : std::string_view{dict_[c]};
  }

  // ---- string ----
  /// The text of a row ("" when missing).
  std::string_view str(std::size_t row) const {
    check(column_kind::string);
    return std::string_view(chars_).substr(offsets_[row], offsets_[row + 1] - offsets_[row]);
  }
  /// size()+1 offsets into chars(): row i is chars()[offsets()[i], offsets()[i+1]).
  std::span<const std::uint64_t> offsets() const {
    check(column_kind::string);
    return offsets_;
  }
  const std::string& chars() const {
    check(column_kind::string);
    return chars_;
  }

  /// The value of any row as text (numbers in shortest round-trip form, "" for missing); for messages.
  std::string text(std::size_t row) const;

  // ---- construction ----
  /// A numeric column. `validity` empty means: a row is missing exactly when its value is NaN.
  static column numeric(std::string name, std::vector<double> v, std::vector<std::uint64_t> validity = {}) {
    return numeric_from(std::move(name), detail::column_vector<double>(v.begin(), v.end()), std::move(validity));
  }
  /// As numeric(), taking the column's own storage type without a copy (for readers that build columns).
  static column numeric_from(std::string name, detail::column_vector<double> v,
                             std::vector<std::uint64_t> validity = {}) {
    column c(std::move(name), column_kind::numeric, v.size());
    c.values_ = std::move(v);
    if (validity.empty()) {
      c.validity_.assign(detail::validity_words(c.size_), 0);
      for (std::size_t i = 0; i < c.size_; ++i)
        if (!std::isnan(c.values_[i])) c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
    } else {
      c.take_validity(std::move(validity));
      for (std::size_t i = 0; i < c.size_; ++i)
        if (!c.is_valid(i)) c.values_[i] = std::numeric_limits<double>::quiet_NaN();
    }
    c.recount();
    return c;
  }

  /// As numeric_from() for builders that already hold NaN in every missing row (validity required).
  static column numeric_from(std::string name, detail::column_vector<double> v, std::vector<std::uint64_t> validity,
                             detail::trusted_t) {
    column c(std::move(name), column_kind::numeric, v.size());
    c.values_ = std::move(v);
    c.take_validity(std::move(validity));
    c.recount();
    return c;
  }
  /// As categorical_from() for builders whose codes are already consistent with the dictionary and validity.
  static column categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                 std::vector<std::string> dict, std::vector<std::uint64_t> validity,
                                 detail::trusted_t) {
    column c(std::move(name), column_kind::categorical, codes.size());
    c.codes_ = std::move(codes);
    c.dict_ = std::move(dict);
    c.take_validity(std::move(validity));
    c.recount();
    return c;
  }

  /// A dictionary-encoded column. `validity` empty means: missing exactly where the code is missing_code.
  static column categorical(std::string name, std::vector<std::uint32_t> codes, std::vector<std::string> dict,
                            std::vector<std::uint64_t> validity = {}) {
    return categorical_from(std::move(name), detail::column_vector<std::uint32_t>(codes.begin(), codes.end()),
                            std::move(dict), std::move(validity));
  }
  /// As categorical(), taking the column's own storage type without a copy.
  static column categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                 std::vector<std::string> dict, std::vector<std::uint64_t> validity = {}) {
    column c(std::move(name), column_kind::categorical, codes.size());
    c.codes_ = std::move(codes);
    c.dict_ = std::move(dict);
    if (validity.empty()) {
      c.validity_.assign(detail::validity_words(c.size_), 0);
      for (std::size_t i = 0; i < c.size_; ++i)
        if (c.codes_[i] != missing_code) c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
    } else {
      c.take_validity(std::move(validity));
      for (std::size_t i = 0; i < c.size_; ++i)
        if (!c.is_valid(i)) c.codes_[i] = missing_code;
    }
    for (std::size_t i = 0; i < c.size_; ++i)
      if (c.codes_[i] != missing_code && c.codes_[i] >= c.dict_.size())
        throw table_error("column '" + c.name_ + "': code " + std::to_string(c.codes_[i]) + " at row " +
                          std::to_string(i) + " is outside its dictionary of " + std::to_string(c.dict_.size()));
    c.recount();
    return c;
  }

  /// A categorical column from values (dictionary in order of first appearance); nullopt = missing.
  static column categorical(std::string name, const std::vector<std::optional<std::string>>& values);

  /// A string column from values; nullopt = missing.
  static column strings(std::string name, const std::vector<std::optional<std::string>>& values) {
    column c(std::move(name), column_kind::string, values.size());
    c.offsets_.reserve(values.size() + 1);
    c.offsets_.push_back(0);
    c.validity_.assign(detail::validity_words(c.size_), 0);
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (values[i]) {
        c.chars_ += *values[i];
        c.validity_[i >> 6] |= std::uint64_t{1} << (i & 63);
      }
      c.offsets_.push_back(c.chars_.size());
    }
    c.recount();
    return c;
  }
  /// A string column from present values only.
  static column strings(std::string name, const std::vector<std::string>& values) {
    std::vector<std::optional<std::string>> v(values.begin(), values.end());
    return strings(std::move(name), v);
  }
  /// A string column from its buffers: `offsets` has rows+1 entries into `chars`.
  static column strings(std::string name, std::string chars, std::vector<std::uint64_t> offsets,
                        std::vector<std::uint64_t> validity = {}) {
    if (offsets.empty()) offsets.push_back(0);
    column c(std::move(name), column_kind::string, offsets.size() - 1);
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i)
      if (offsets[i] > offsets[i + 1]) throw table_error("column '" + c.name_ + "': offsets decrease");
    if (offsets.front() != 0 || offsets.back() > chars.size())
      throw table_error("column '" + c.name_ + "': offsets outside the character buffer");
    c.chars_ = std::move(chars);
    c.offsets_ = std::move(offsets);
    if (validity.empty())
      c.validity_.assign(detail::validity_words(c.size_), ~std::uint64_t{0});
    else
      c.take_validity(std::move(validity));
    c.clear_padding();
    c.recount();
    return c;
  }

  /// Renames the column (e.g. before adding it to another table).
  void rename(std::string name) { name_ = std::move(name); }

  /// Rows [begin, end) as a new column (copies).
  column slice(std::size_t begin, std::size_t end) const;

  /// Appends the rows of `other` (same kind; categorical dictionaries are merged by value).
  void append(const column& other);

  /// Stable content hash: name, kind, validity and values.
  void hash_into(hasher& h) const {
    h.update(std::string_view(name_));
    h.update_value(static_cast<std::uint8_t>(kind_));
    h.update_value(static_cast<std::uint64_t>(size_));
    update_words(h, validity_.data(), validity_.size());
    switch (kind_) {
      case column_kind::numeric:
        // Missing rows hold NaN whose payload may differ; hash them as 0 so equal content hashes equal.
        for (std::size_t i = 0; i < size_; ++i) {
          double d = is_valid(i) ? values_[i] : 0.0;
          if (d == 0.0) d = 0.0;
          update_raw(h, &d);
        }
        break;
      case column_kind::categorical:
        h.update_value(static_cast<std::uint64_t>(dict_.size()));
        for (auto& s : dict_) h.update(std::string_view(s));
        for (auto code : codes_) h.update_value(code);
        break;
      case column_kind::string:
        for (std::size_t i = 0; i < size_; ++i) h.update(str(i));
        break;
    }
  }

 private:
  friend class table;
  friend bool operator==(const table& a, const table& b);

  column(std::string name, column_kind kind, std::size_t size) : name_(std::move(name)), kind_(kind), size_(size) {}

  void check(column_kind want) const {
    if (kind_ != want) detail::wrong_kind(name_, kind_, want);
  }
  void take_validity(std::vector<std::uint64_t> v) {
    if (v.size() != detail::validity_words(size_))
      throw table_error("column '" + name_ + "': validity has " + std::to_string(v.size()) + " words, expected " +
                        std::to_string(detail::validity_words(size_)));
    validity_ = std::move(v);
    clear_padding();
  }
  void clear_padding() {
    if (size_ & 63) validity_.back() &= (std::uint64_t{1} << (size_ & 63)) - 1;
  }
  void recount() { missing_ = size_ - detail::count_bits(validity_, 0, size_); }

  static void update_raw(hasher& h, const double* d) {
    std::uint64_t u = std::bit_cast<std::uint64_t>(*d);
    h.update_value(u);
  }
  static void update_words(hasher& h, const std::uint64_t* w, std::size_t n) {
    if constexpr (std::endian::native == std::endian::little)
      h.update(w, n * sizeof(std::uint64_t));
    else
      for (std::size_t i = 0; i < n; ++i) h.update_value(w[i]);
  }

  std::string name_;
  column_kind kind_ = column_kind::numeric;
  std::size_t size_ = 0;
  std::size_t missing_ = 0;
  std::vector<std::uint64_t> validity_;
  detail::column_vector<double> values_;         // numeric
  detail::column_vector<std::uint32_t> codes_;   // categorical
  std::vector<std::string> dict_;        // categorical
  std::vector<std::uint64_t> offsets_;   // string (size+1)
  std::string chars_;                    // string
};

/// A column restricted to rows [begin, end) of its table; indices passed to it are relative to `begin`.
class column_view {
 public:
  column_view(const column& c, std::size_t begin, std::size_t end) noexcept : c_(&c), begin_(begin), end_(end) {}
  column_view(const column& c) noexcept : column_view(c, 0, c.size()) {}  // NOLINT: a whole column is a view

  const std::string& name() const noexcept { return c_->name(); }
  column_kind kind() const noexcept { return c_->kind(); }
  std::size_t size() const noexcept { return end_ - begin_; }
  std::size_t offset() const noexcept { return begin_; }
  const column& whole() const noexcept { return *c_; }

  bool is_valid(std::size_t row) const noexcept { return c_->is_valid(begin_ + row); }
  std::size_t missing_count() const noexcept {
    if (c_->missing_count() == 0) return 0;  // the common case, without counting bits
    return size() - detail::count_bits(c_->validity(), begin_, end_);
  }
  /// The words holding rows [begin, end): bit (validity_bit_offset() + i) is row i of the view.
  std::span<const std::uint64_t> validity() const noexcept {
    if (begin_ == end_) return {};
    return c_->validity().subspan(begin_ >> 6, ((end_ - 1) >> 6) - (begin_ >> 6) + 1);
  }
  std::size_t validity_bit_offset() const noexcept { return begin_ & 63; }

  std::span<const double> values() const { return c_->values().subspan(begin_, size()); }
  auto as_xtensor() const {
    auto v = values();
    return xt::adapt(v.data(), v.size(), xt::no_ownership(), std::vector<std::size_t>{v.size()});
  }
  std::span<const std::uint32_t> codes() const { return c_->codes().subspan(begin_, size()); }
  const std::vector<std::string>& dictionary() const { return c_->dictionary(); }
  std::string_view category(std::size_t row) const { return c_->category(begin_ + row); }
  std::string_view str(std::size_t row) const { return c_->str(begin_ + row); }
  std::string text(std::size_t row) const { return c_->text(begin_ + row); }

 private:
  const column* c_;
  std::size_t begin_, end_;
};

class table_view;

/// A columnar table: named columns of one shared row count.
class table {
 public:
  table() = default;

  std::size_t rows() const noexcept { return rows_; }
  std::size_t num_columns() const noexcept { return cols_.size(); }
  bool empty() const noexcept { return cols_.empty(); }

  const column& col(std::size_t i) const {
    if (i >= cols_.size())
      throw table_error("column index " + std::to_string(i) + " out of range (" + std::to_string(cols_.size()) +
                        " columns)");
    return cols_[i];
  }
  column& col(std::size_t i) {
    return const_cast<column&>(static_cast<const table&>(*this).col(i));
  }
  const column& col(std::string_view name) const {
    if (auto i = index_of(name)) return cols_[*i];
    throw table_error("no column named '" + std::string(name) + "' (columns: " + joined_names() + ")");
  }
  column& col(std::string_view name) { return const_cast<column&>(static_cast<const table&>(*this).col(name)); }

  std::optional<std::size_t> index_of(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < cols_.size(); ++i)
      if (cols_[i].name() == name) return i;
    return std::nullopt;
  }
  bool has(std::string_view name) const noexcept { return index_of(name).has_value(); }

  std::vector<std::string> names() const {
    std::vector<std::string> n;
    n.reserve(cols_.size());
    for (auto& c : cols_) n.push_back(c.name());
    return n;
  }
  const std::vector<column>& columns() const noexcept { return cols_; }

  /// Adds a column; throws on a length mismatch with the existing columns or a duplicate name.
  void add(column c) {
    if (index_of(c.name())) throw table_error("duplicate column name '" + c.name() + "'");
    if (!cols_.empty() && c.size() != rows_)
      throw table_error("column '" + c.name() + "' has " + std::to_string(c.size()) + " rows, the table has " +
                        std::to_string(rows_));
    rows_ = c.size();
    cols_.push_back(std::move(c));
  }

  /// Removes a column by name (no-op when absent); returns whether it was there.
  bool remove(std::string_view name) {
    auto i = index_of(name);
    if (!i) return false;
    cols_.erase(cols_.begin() + static_cast<std::ptrdiff_t>(*i));
    if (cols_.empty()) rows_ = 0;
    return true;
  }

  /// Zero-copy view of rows [begin, end) (a "block"). The table must outlive it.
  table_view view(std::size_t begin, std::size_t end) const;
  table_view view() const;

  /// Consecutive views of `block_rows` rows (the last may be shorter), as a range-v3 random-access range.
  auto blocks(std::size_t block_rows) const;

  /// Rows [begin, end) as a new table (copies).
  table slice(std::size_t begin, std::size_t end) const {
    check_range(begin, end);
    table t;
    for (auto& c : cols_) t.add(c.slice(begin, end));
    return t;
  }
  /// The rows whose index is listed, in that order (copies).
  table take(std::span<const std::size_t> rows) const;

  /// Appends the rows of a table with the same column names and kinds (in the same order).
  void append(const table& other) {
    if (cols_.empty()) {
      *this = other;
      return;
    }
    if (other.num_columns() != num_columns())
      throw table_error("cannot append a table of " + std::to_string(other.num_columns()) + " columns to one of " +
                        std::to_string(num_columns()));
    for (std::size_t i = 0; i < cols_.size(); ++i) {
      if (cols_[i].name() != other.cols_[i].name() || cols_[i].kind() != other.cols_[i].kind())
        throw table_error("cannot append: column " + std::to_string(i) + " is '" + other.cols_[i].name() + "' (" +
                          std::string(to_string(other.cols_[i].kind())) + "), expected '" + cols_[i].name() +
                          "' (" + std::string(to_string(cols_[i].kind())) + ")");
    }
    for (std::size_t i = 0; i < cols_.size(); ++i) cols_[i].append(other.cols_[i]);
    rows_ += other.rows_;
  }

  /// Writes the table in mlpipe's binary table format (see docs/data.md).
  void save(const std::filesystem::path& file) const;
  /// Reads a file written by save(); a foreign, truncated or corrupt file throws table_file_error naming it.
  static table load(const std::filesystem::path& file);

  /// Stable hash of the content (names, kinds, validity, values); equal tables hash equal.
  std::uint64_t fingerprint() const {
    hasher h(0x7461626c65ULL);
    hash_into(h);
    return h.digest();
  }
  void hash_into(hasher& h) const {
    h.update_value(static_cast<std::uint64_t>(rows_));
    h.update_value(static_cast<std::uint64_t>(cols_.size()));
    for (auto& c : cols_) c.hash_into(h);
  }

  friend bool operator==(const table& a, const table& b);

 private:
  void check_range(std::size_t begin, std::size_t end) const {
    if (begin > end || end > rows_)
      throw table_error("row range [" + std::to_string(begin) + ", " + std::to_string(end) + ") outside a table of " +
                        std::to_string(rows_) + " rows");
  }
  std::string joined_names() const {
    std::string s;
    for (auto& c : cols_) s += (s.empty() ? "" : ", ") + c.name();
    return s;
  }

  std::vector<column> cols_;
  std::size_t rows_ = 0;
};

/// Rows [begin, end) of a table, with the same read accessors; column views index rows from 0.
class table_view {
 public:
  table_view() = default;
  table_view(const table& t) noexcept : t_(&t), begin_(0), end_(t.rows()) {}  // NOLINT: a table is a view of itself
  table_view(const table& t, std::size_t begin, std::size_t end) noexcept : t_(&t), begin_(begin), end_(end) {}

  std::size_t rows() const noexcept { return end_ - begin_; }
  std::size_t num_columns() const noexcept { return t_ ? t_->num_columns() : 0; }
  /// First row of the view in its table.
  std::size_t offset() const noexcept { return begin_; }
  const table& base() const noexcept { return *t_; }

  column_view col(std::size_t i) const { return column_view(t_->col(i), begin_, end_); }
  column_view col(std::string_view name) const { return column_view(t_->col(name), begin_, end_); }
  std::optional<std::size_t> index_of(std::string_view name) const noexcept { return t_->index_of(name); }
  std::vector<std::string> names() const { return t_->names(); }

  /// A sub-view, rows relative to this view.
  table_view view(std::size_t begin, std::size_t end) const {
    return table_view(*t_, begin_ + std::min(begin, rows()), begin_ + std::min(end, rows()));
  }
  /// The rows as an owning table (copies).
  table to_table() const { return t_->slice(begin_, end_); }

 private:
  const table* t_ = nullptr;
  std::size_t begin_ = 0, end_ = 0;
};

// ---------------------------------------------------------------------------------------------------------
// Inline definitions.

inline table_view table::view(std::size_t begin, std::size_t end) const {
  check_range(begin, end);
  return table_view(*this, begin, end);
}
inline table_view table::view() const { return table_view(*this, 0, rows_); }

inline auto table::blocks(std::size_t block_rows) const {
  if (block_rows == 0) throw table_error("blocks(): block_rows must be positive");
  std::size_t n = (rows_ + block_rows - 1) / block_rows;
  const table* self = this;
  return ranges::views::iota(std::size_t{0}, n) | ranges::views::transform([self, block_rows](std::size_t b) {
           std::size_t begin = b * block_rows;
           return table_view(*self, begin, std::min(begin + block_rows, self->rows()));
         });
}

inline std::string column::text(std::size_t row) const {
  if (!is_valid(row)) return {};
  switch (kind_) {
    case column_kind::numeric: {
      char buf[32];
      auto r = std::to_chars(buf, buf + sizeof buf, values_[row]);
      return std::string(buf, r.ptr);
    }
    case column_kind::categorical: return dict_[codes_[row]];
    case column_kind::string: return std::string(str(row));
  }
  return {};
}

inline column column::categorical(std::string name, const std::vector<std::optional<std::string>>& values) {
  std::vector<std::string> dict;
  std::vector<std::uint32_t> codes;
  codes.reserve(values.size());
  std::unordered_map<std::string, std::uint32_t> index;
  for (auto& v : values) {
    if (!v) {
      codes.push_back(missing_code);
      continue;
    }
    auto [it, fresh] = index.try_emplace(*v, static_cast<std::uint32_t>(dict.size()));
    if (fresh) dict.push_back(*v);
    codes.push_back(it->second);
  }
  return categorical(std::move(name), std::move(codes), std::move(dict));
}

inline column column::slice(std::size_t begin, std::size_t end) const {
  if (begin > end || end > size_)
    throw table_error("column '" + name_ + "': row range [" + std::to_string(begin) + ", " + std::to_string(end) +
                      ") outside " + std::to_string(size_) + " rows");
  column c(name_, kind_, end - begin);
  c.validity_.assign(detail::validity_words(c.size_), 0);
  for (std::size_t i = begin; i < end; ++i)
    if (is_valid(i)) c.validity_[(i - begin) >> 6] |= std::uint64_t{1} << ((i - begin) & 63);
  switch (kind_) {
    case column_kind::numeric:
      c.values_.assign(values_.begin() + static_cast<std::ptrdiff_t>(begin),
                       values_.begin() + static_cast<std::ptrdiff_t>(end));
      break;
    case column_kind::categorical:
      c.codes_.assign(codes_.begin() + static_cast<std::ptrdiff_t>(begin),
                      codes_.begin() + static_cast<std::ptrdiff_t>(end));
      c.dict_ = dict_;
      break;
    case column_kind::string: {
      auto base = offsets_[begin];
      c.chars_.assign(chars_, base, offsets_[end] - base);
      c.offsets_.reserve(c.size_ + 1);
      for (std::size_t i = begin; i <= end; ++i) c.offsets_.push_back(offsets_[i] - base);
      break;
    }
  }
  c.recount();
  return c;
}

inline void column::append(const column& other) {
  if (other.kind_ != kind_)
    throw table_error("cannot append " + std::string(to_string(other.kind_)) + " column '" + other.name_ + "' to " +
                      std::string(to_string(kind_)) + " column '" + name_ + "'");
  std::size_t old = size_;
  size_ += other.size_;
  detail::append_bits(validity_, old, other.validity_, other.size_);
  switch (kind_) {
    case column_kind::numeric: values_.insert(values_.end(), other.values_.begin(), other.values_.end()); break;
    case column_kind::categorical: {
      // room for every new entry first: the index's views into dict_'s strings must outlive its growth
      dict_.reserve(dict_.size() + other.dict_.size());
      std::unordered_map<std::string_view, std::uint32_t> index;
      for (std::uint32_t k = 0; k < dict_.size(); ++k) index.emplace(dict_[k], k);
      std::vector<std::uint32_t> remap(other.dict_.size());
      for (std::size_t k = 0; k < other.dict_.size(); ++k) {
        auto it = index.find(other.dict_[k]);
        if (it == index.end()) {
          dict_.push_back(other.dict_[k]);
          it = index.emplace(dict_.back(), static_cast<std::uint32_t>(dict_.size() - 1)).first;
        }
        remap[k] = it->second;
      }
      codes_.reserve(size_);
      for (auto code : other.codes_) codes_.push_back(code == missing_code ? missing_code : remap[code]);
      break;
    }
    case column_kind::string: {
      auto base = chars_.size();
      chars_ += other.chars_;
      offsets_.reserve(size_ + 1);
      for (std::size_t i = 1; i < other.offsets_.size(); ++i) offsets_.push_back(base + other.offsets_[i]);
      break;
    }
  }
  recount();
}

inline table table::take(std::span<const std::size_t> rows) const {
  table t;
  for (auto& c : cols_) {
    std::vector<std::uint64_t> valid(detail::validity_words(rows.size()), 0);
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (rows[i] >= rows_)
        throw table_error("row " + std::to_string(rows[i]) + " outside a table of " + std::to_string(rows_) + " rows");
      if (c.is_valid(rows[i])) valid[i >> 6] |= std::uint64_t{1} << (i & 63);
    }
    switch (c.kind()) {
      case column_kind::numeric: {
        detail::column_vector<double> v(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = c.values_[rows[i]];
        t.add(column::numeric_from(c.name(), std::move(v), std::move(valid)));
        break;
      }
      case column_kind::categorical: {
        detail::column_vector<std::uint32_t> v(rows.size());
        for (std::size_t i = 0; i < rows.size(); ++i) v[i] = c.codes_[rows[i]];
        t.add(column::categorical_from(c.name(), std::move(v), c.dict_, std::move(valid)));
        break;
      }
      case column_kind::string: {
        std::string chars;
        std::vector<std::uint64_t> off{0};
        off.reserve(rows.size() + 1);
        for (auto r : rows) {
          chars += c.str(r);
          off.push_back(chars.size());
        }
        t.add(column::strings(c.name(), std::move(chars), std::move(off), std::move(valid)));
        break;
      }
    }
  }
  if (cols_.empty()) t.rows_ = 0;
  return t;
}

/// Equal names, kinds, row counts, validity and present values (NaN payloads of missing rows ignored).
inline bool operator==(const table& a, const table& b) {
  if (a.rows_ != b.rows_ || a.cols_.size() != b.cols_.size()) return false;
  for (std::size_t j = 0; j < a.cols_.size(); ++j) {
    auto& x = a.cols_[j];
    auto& y = b.cols_[j];
    if (x.name() != y.name() || x.kind() != y.kind()) return false;
    if (!std::equal(x.validity_.begin(), x.validity_.end(), y.validity_.begin(), y.validity_.end())) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!x.is_valid(i)) continue;
      switch (x.kind()) {
        case column_kind::numeric: {
          double p = x.values_[i], q = y.values_[i];
          if (!(p == q || (std::isnan(p) && std::isnan(q)))) return false;
          break;
        }
        case column_kind::categorical:
          if (x.dict_[x.codes_[i]] != y.dict_[y.codes_[i]]) return false;
          break;
        case column_kind::string:
          if (x.str(i) != y.str(i)) return false;
          break;
      }
    }
  }
  return true;
}

}  // namespace mlpipe

#include <mlpipe/data/detail/table_io.hpp>
