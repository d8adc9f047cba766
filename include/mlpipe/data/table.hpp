// mlpipe/data/table.hpp: the columnar table every stage reads (numeric, categorical and string columns).
// Zero-copy row-range views ("blocks") iterated with range-v3, a binary file format and a content fingerprint.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <mutex>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/fingerprint.hpp>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace mlpipe {

class table;

/// How a column's values are stored.
enum class column_kind : std::uint8_t { numeric, categorical, string };

inline constexpr std::string_view to_string(column_kind k) noexcept {
  switch (k) {
    case column_kind::numeric: return "numeric";
    case column_kind::categorical: return "categorical";
    case column_kind::string: return "string";
  }
  return "unknown";
}

// column_kind reads and writes as its name in JSON ("numeric", "categorical", "string"; an unknown text reads as
// numeric), as nlohmann's NLOHMANN_JSON_SERIALIZE_ENUM did, but without nlohmann's header: templates on the JSON
// type, instantiated only by code that has included <nlohmann/json.hpp>.
template <class BasicJson>
void to_json(BasicJson& j, const column_kind& k) {
  j = std::string(to_string(k));
}
template <class BasicJson>
void from_json(const BasicJson& j, column_kind& k) {
  if (j == BasicJson("categorical"))
    k = column_kind::categorical;
  else if (j == BasicJson("string"))
    k = column_kind::string;
  else
    k = column_kind::numeric;
}

/// column_kind as a stage parameter (a map of column types, e.g. csv_examples' column_types): the same JSON as
/// above, through functions compiled into libmlpipe (core/parameters.hpp's json_hooked).
MLPIPE_DECL void write_json_value(nlohmann::json& j, column_kind k);
MLPIPE_DECL void read_json_value(const nlohmann::json& j, column_kind& k, const std::string& where);

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
  static huge_block_cache& instance();
  void* take(std::size_t len);
  bool give(void* p, std::size_t len);
  void release();

 private:
  static constexpr std::size_t max_total = std::size_t{256} << 20, max_blocks = 64;
  void release_locked();
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
MLPIPE_DECL void append_bits(std::vector<std::uint64_t>& dst, std::size_t at, std::span<const std::uint64_t> src,
                             std::size_t bits);

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

[[noreturn]] MLPIPE_DECL void wrong_kind(const std::string& name, column_kind have, column_kind want);

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
  /// An xtensor view over values(), no copy (1-D, shape {size()}). Defined in <mlpipe/data/table_views.hpp>:
  /// include it to call this (so that code that does not call it does not parse xtensor).
  auto as_xtensor() const;

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
  static column numeric(std::string name, std::vector<double> v, std::vector<std::uint64_t> validity = {});
  /// As numeric(), taking the column's own storage type without a copy (for readers that build columns).
  static column numeric_from(std::string name, detail::column_vector<double> v,
                             std::vector<std::uint64_t> validity = {});

  /// As numeric_from() for builders that already hold NaN in every missing row (validity required).
  static column numeric_from(std::string name, detail::column_vector<double> v, std::vector<std::uint64_t> validity,
                             detail::trusted_t);
  /// As categorical_from() for builders whose codes are already consistent with the dictionary and validity.
  static column categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                 std::vector<std::string> dict, std::vector<std::uint64_t> validity,
                                 detail::trusted_t);

  /// A dictionary-encoded column. `validity` empty means: missing exactly where the code is missing_code.
  static column categorical(std::string name, std::vector<std::uint32_t> codes, std::vector<std::string> dict,
                            std::vector<std::uint64_t> validity = {});
  /// As categorical(), taking the column's own storage type without a copy.
  static column categorical_from(std::string name, detail::column_vector<std::uint32_t> codes,
                                 std::vector<std::string> dict, std::vector<std::uint64_t> validity = {});

  /// A categorical column from values (dictionary in order of first appearance); nullopt = missing.
  static column categorical(std::string name, const std::vector<std::optional<std::string>>& values);

  /// A string column from values; nullopt = missing.
  static column strings(std::string name, const std::vector<std::optional<std::string>>& values);
  /// A string column from present values only.
  static column strings(std::string name, const std::vector<std::string>& values);
  /// A string column from its buffers: `offsets` has rows+1 entries into `chars`.
  static column strings(std::string name, std::string chars, std::vector<std::uint64_t> offsets,
                        std::vector<std::uint64_t> validity = {});

  /// Renames the column (e.g. before adding it to another table).
  void rename(std::string name) { name_ = std::move(name); }

  /// Rows [begin, end) as a new column (copies).
  column slice(std::size_t begin, std::size_t end) const;

  /// Appends the rows of `other` (same kind; categorical dictionaries are merged by value).
  void append(const column& other);

  /// Stable content hash: name, kind, validity and values.
  void hash_into(hasher& h) const;

 private:
  friend class table;
  friend bool operator==(const table& a, const table& b);

  column(std::string name, column_kind kind, std::size_t size) : name_(std::move(name)), kind_(kind), size_(size) {}

  void check(column_kind want) const {
    if (kind_ != want) detail::wrong_kind(name_, kind_, want);
  }
  void take_validity(std::vector<std::uint64_t> v);
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
  /// An xtensor view over values(), no copy. Defined in <mlpipe/data/table_views.hpp>: include it to call this.
  auto as_xtensor() const;
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

  const column& col(std::size_t i) const;
  column& col(std::size_t i) {
    return const_cast<column&>(static_cast<const table&>(*this).col(i));
  }
  const column& col(std::string_view name) const;
  column& col(std::string_view name) { return const_cast<column&>(static_cast<const table&>(*this).col(name)); }

  std::optional<std::size_t> index_of(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < cols_.size(); ++i)
      if (cols_[i].name() == name) return i;
    return std::nullopt;
  }
  bool has(std::string_view name) const noexcept { return index_of(name).has_value(); }

  std::vector<std::string> names() const;
  const std::vector<column>& columns() const noexcept { return cols_; }

  /// Adds a column; throws on a length mismatch with the existing columns or a duplicate name.
  void add(column c);

  /// Removes a column by name (no-op when absent); returns whether it was there.
  bool remove(std::string_view name);

  /// Zero-copy view of rows [begin, end) (a "block"). The table must outlive it.
  table_view view(std::size_t begin, std::size_t end) const;
  table_view view() const;

  /// Consecutive views of `block_rows` rows (the last may be shorter), as a range-v3 random-access range.
  /// Defined in <mlpipe/data/table_views.hpp>: include it to call this (so that code that does not call it
  /// does not parse range-v3).
  auto blocks(std::size_t block_rows) const;

  /// Rows [begin, end) as a new table (copies).
  table slice(std::size_t begin, std::size_t end) const;
  /// The rows whose index is listed, in that order (copies).
  table take(std::span<const std::size_t> rows) const;

  /// Appends the rows of a table with the same column names and kinds (in the same order).
  void append(const table& other);

  /// Writes the table in mlpipe's binary table format (see docs/data.md).
  void save(const std::filesystem::path& file) const;
  /// Reads a file written by save(); a foreign, truncated or corrupt file throws table_file_error naming it.
  static table load(const std::filesystem::path& file);

  /// Stable hash of the content (names, kinds, validity, values); equal tables hash equal.
  std::uint64_t fingerprint() const;
  void hash_into(hasher& h) const;

  friend bool operator==(const table& a, const table& b);

 private:
  void check_range(std::size_t begin, std::size_t end) const;
  std::string joined_names() const;

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

/// Equal names, kinds, row counts, validity and present values (NaN payloads of missing rows ignored).
MLPIPE_DECL bool operator==(const table& a, const table& b);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/table.ipp>
#endif
