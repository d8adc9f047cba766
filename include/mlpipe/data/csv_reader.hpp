// mlpipe/data/csv_reader.hpp: reads RFC 4180 CSV into tables, whole or in chunks of bounded memory.
// read_csv(file), read_csv_string(text), for_each_chunk(file, budget, f), and csv_reader for finer control.
#pragma once

#include <algorithm>
#include <array>
#include <concepts>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/csv_error.hpp>
#include <mlpipe/data/csv_options.hpp>
#include <mlpipe/data/detail/cpu.hpp>
#include <mlpipe/data/detail/mapped_file.hpp>
#include <mlpipe/data/detail/utf8.hpp>
#include <mlpipe/data/table.hpp>

namespace mlpipe {

namespace detail {

struct string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};

/// Shortens a field's text for an error message and shows it quoted.
MLPIPE_DECL std::string quote_for_message(std::string_view s);

}  // namespace detail

/// A CSV file read row by row into tables. The constructor reads the header and a sample of rows to fix each
/// column's type; next_chunk() then yields tables of at most the asked rows/bytes. Categorical dictionaries grow
/// across chunks, so a code means the same category in every chunk of one reader.
class csv_reader {
 public:
  explicit csv_reader(std::filesystem::path file, csv_options options = {});

  /// Reads CSV text held in memory; `name` stands for the file in error messages.
  static csv_reader from_string(std::string_view text, csv_options options = {}, std::string name = "<string>") {
    return csv_reader(text, std::move(options), std::move(name));
  }

  csv_reader(csv_reader&&) = default;
  csv_reader& operator=(csv_reader&&) = default;

  const std::filesystem::path& file() const noexcept { return file_; }
  const std::vector<std::string>& names() const noexcept { return names_; }
  const std::vector<column_kind>& kinds() const noexcept { return kinds_; }
  std::size_t num_columns() const noexcept { return names_.size(); }
  /// Data rows handed out so far.
  std::size_t rows_read() const noexcept { return total_rows_; }
  /// Bytes of the file consumed so far.
  std::uint64_t bytes_read() const noexcept { return consumed_ + pos_; }
  /// The file's size in bytes (for progress).
  std::uint64_t total_bytes() const noexcept { return source_bytes_; }
  /// Estimated bytes a row takes in a table (from the sample), for sizing chunks.
  std::size_t estimated_row_bytes() const noexcept { return row_bytes_estimate_; }
  bool done() const noexcept { return finished_; }
  /// Byte offset of the first data row (after the header): where the rows of the file begin.
  std::uint64_t data_begin() const noexcept { return data_begin_; }
  /// Threads that parsed the rows read_all() returned: 1 unless the file was split (csv_options::threads), and
  /// 1 again when a split start fell inside a quoted field or a range met an error (the file was then re-read).
  std::size_t parse_threads() const noexcept { return parse_threads_; }

  /// Restricts the reader to the rows that start at byte offsets in [begin, limit) (a row that starts before
  /// `limit` is read whole, even past it): a shard of the file for data-parallel work. `begin` must be where a
  /// row starts (or the file's end); parallel/shard.hpp finds such offsets and verifies them. The column types
  /// stay those inferred from the file's first rows, so every shard of a file reads the same types. Call it
  /// before the first next_chunk(); line numbers in errors then count from `begin` (line 1).
  void restrict_rows(std::uint64_t begin, std::uint64_t limit);

  /// The next rows as a table: at most `max_rows`, and stopping once the table's memory reaches about
  /// `max_bytes`. nullopt when the file is exhausted (an empty file still yields one empty table first).
  std::optional<table> next_chunk(std::size_t max_rows = std::numeric_limits<std::size_t>::max(),
                                  std::size_t max_bytes = std::numeric_limits<std::size_t>::max());

  /// All remaining rows as one table. A mapped file not yet read is parsed by up to `options.threads` threads,
  /// each on its own byte range (see csv_options::threads); the table is the one a single thread makes.
  table read_all();

 private:
  /// Runs `parse` on the mapped file and reports a file that shrank meanwhile (another process truncated or
  /// rewrote it): its pages past the new end read as zeros (see mapped_file), so what was parsed from them,
  /// an error included, is replaced by this error.
  template <class F>
  void guard_cut(F&& parse) {
    auto cut = [&] {
      return csv_error(file_, 0, 0, 0, "", "the file to keep its size while it is read",
                       "it shrank to " + std::to_string(file_size_now()) + " of " + std::to_string(map_.size()) +
                           " bytes (truncated or rewritten by another process); read it again once it is complete");
    };
    try {
      parse();
    } catch (const csv_error&) {
      if (map_.cut_short()) throw cut();
      throw;
    }
    if (map_.cut_short()) throw cut();
  }
  std::uintmax_t file_size_now() const;

  std::optional<table> next_chunk_parsed(std::size_t max_rows, std::size_t max_bytes);

  /// Parses rows into the builders until the chunk is full or the rows (of the file or the shard) end.
  void fill(std::size_t max_rows, std::size_t max_bytes);

  /// Threads read_all() would use for this file: csv_options::threads, fewer for a small file.
  MLPIPE_DECL std::size_t parallel_threads() const noexcept;
  /// read_all() on several threads: this reader parses the first byte range, a reader per thread the others.
  MLPIPE_DECL table read_all_parallel();

  static constexpr std::size_t padding = 64;  // zeroed bytes after the data: lets parsers read ahead safely
  enum class step { row, blank, need_more, done };

  struct builder {
    detail::column_vector<double> values;
    detail::column_vector<std::uint32_t> codes;
    std::string chars;
    std::vector<std::uint64_t> offsets;
    std::vector<std::uint64_t> valid;
  };
  struct dictionary {
    std::vector<std::string> values;
    std::unordered_map<std::string, std::uint32_t, detail::string_hash, std::equal_to<>> index;
    std::string last;  // one-entry cache: runs of one category skip the hash
    std::uint32_t last_code = column::missing_code;
  };
  struct sample_field {
    std::string text;
    std::size_t line, col;
  };
  using sample_row = std::vector<sample_field>;

  csv_reader(std::string_view text, csv_options options, std::string name);

  // ---- buffer ----
  /// A mapped file: what is parsed need not stay resident. Every 1 MiB, the pages more than 256 KiB behind the
  /// parser are dropped (reading them again would only fault them back in from the page cache); a file read by
  /// several threads has a reader, and so such a window, per thread.
  void release_parsed() noexcept {
    if (!map_ || pos_ < release_at_) return;
    map_.release_before(pos_ - (std::size_t{256} << 10));
    release_at_ = pos_ + (std::size_t{1} << 20);
  }
  /// The bytes being parsed: the mapped file, or the read buffer (either way followed by zero padding).
  const char* data() const noexcept { return map_ ? map_.data() : buf_.data(); }
  /// Moves the unparsed tail to the front and reads more; grows the buffer when a row fills it.
  bool refill();

  // ---- start: header, sample, types ----
  void start();

  void check_names(const std::vector<std::pair<std::size_t, std::size_t>>& pos);

  bool is_missing(std::string_view t) const noexcept {
    for (auto& m : opts_.missing_markers)
      if (m.size() == t.size() && std::memcmp(m.data(), t.data(), t.size()) == 0) return true;
    return false;
  }

  std::string missing_list() const;

  void infer_kinds();

  // ---- generic row parsing (header and sample): fields as strings with their line and column ----
  bool next_text_row(std::vector<std::string>& fields, std::vector<std::pair<std::size_t, std::size_t>>& pos);

  step parse_text_row(std::vector<std::string>& fields, std::vector<std::pair<std::size_t, std::size_t>>& pos);

  step skip_blank(const char* p, const char* end) {
    if (*p == '\r') {
      if (p + 1 == end && !eof_) return step::need_more;
      if (p[1] == '\n') ++p;
    }
    ++p;
    ++line_;
    pos_ = static_cast<std::size_t>(p - data());
    return step::blank;
  }

  /// Consumes a line end at p (or accepts the end of the file). False when more data is needed to know.
  bool end_line(const char*& p, const char* end) {
    if (p == end) return eof_;
    if (*p == '\r') {
      if (p + 1 == end && !eof_) return false;
      if (p[1] == '\n') ++p;
    }
    ++p;
    ++line_;
    return true;
  }

  const char* scan(const char* p, const char* end) const noexcept {
    for (;;) {
      while (!special_[static_cast<unsigned char>(*p)]) ++p;
      if (*p != '\0' || p == end) return p;
      ++p;  // a NUL byte inside the data is an ordinary character here
    }
  }

  /// Parses a quoted field starting at the quote; false when the data ends before it is known to be closed.
  bool parse_quoted(const char*& p, const char* end, std::string& out, std::size_t field_index) {
    const char q = opts_.quote;
    std::size_t open_line = line_, open_col = static_cast<std::size_t>(p - line_start_) + 1;
    const char* s = p + 1;
    out.clear();
    for (;;) {
      const char* close = static_cast<const char*>(std::memchr(s, q, static_cast<std::size_t>(end - s)));
      const char* seg_end = close ? close : end;
      for (const char* nl = s; (nl = static_cast<const char*>(std::memchr(nl, '\n', static_cast<std::size_t>(seg_end - nl))));) {
        ++line_;
        line_start_ = ++nl;
      }
      out.append(s, seg_end);
      if (!close) {
        if (!eof_) return false;
        throw csv_error(file_, open_line, open_col, field_index + 1, field_name(field_index),
                        "a closing quote for the quoted field that opens here", "the end of the file");
      }
      if (close + 1 == end && !eof_) return false;  // an escaped quote may follow
      if (close + 1 < end && close[1] == q) {
        out += q;
        s = close + 2;
        continue;
      }
      p = close + 1;
      if (p != end && *p != opts_.delimiter && *p != '\n' && *p != '\r') {
        std::string found(1, *p);
        throw csv_error(file_, line_, static_cast<std::size_t>(p - line_start_) + 1, field_index + 1,
                        field_name(field_index), "a delimiter or the end of the line after the closing quote",
                        detail::quote_for_message(found));
      }
      return true;
    }
  }

  std::string field_name(std::size_t j) const { return j < names_.size() && opts_.header ? names_[j] : std::string(); }

  [[noreturn]] void too_many_fields(std::size_t line, std::size_t col) const;
  [[noreturn]] void too_few_fields(const char* p, std::size_t found) const;

  // ---- typed parsing into builders ----
  void begin_chunk(std::size_t max_rows, std::size_t max_bytes);

  /// More rows than estimated: double the fixed-width columns.
  void grow();
  void refresh_outputs();

  bool over_budget(std::size_t max_bytes) const noexcept {
    if (max_bytes == std::numeric_limits<std::size_t>::max() || rows_ == 0) return false;  // a chunk has a row
    std::size_t bytes = rows_ * fixed_row_bytes_;
    for (auto j : string_cols_) bytes += builders_[j].chars.size();
    return bytes >= max_bytes;
  }

  // Rows start out present (all bits set); a missing value clears its bit. Padding is cleared at the end.
  void start_row() {
    if (rows_ == capacity_) grow();
    if ((rows_ & 63) == 0)
      for (auto& b : builders_) b.valid.push_back(~std::uint64_t{0});
  }

  void push_missing(std::size_t j) {
    auto& b = builders_[j];
    b.valid.back() &= ~(std::uint64_t{1} << (rows_ & 63));
    switch (kinds_[j]) {
      case column_kind::numeric: num_out_[j][rows_] = std::numeric_limits<double>::quiet_NaN(); break;
      case column_kind::categorical: b.codes[rows_] = column::missing_code; break;
      case column_kind::string: b.offsets.push_back(b.chars.size()); break;
    }
  }

  /// Puts one field's text (unquoted) into column j; line/col locate the field for errors.
  void put_text(std::size_t j, std::string_view t, std::size_t line, std::size_t col);

  void check_utf8(std::size_t j, std::string_view t, std::size_t line, std::size_t col) const {
    if (!opts_.validate_utf8) return;
    auto bad = detail::find_invalid_utf8(t);
    if (bad != std::string_view::npos) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "0x%02X", static_cast<unsigned char>(t[bad]));
      throw csv_error(file_, line, col + bad, j + 1, names_[j], "text in valid UTF-8",
                      std::string("the byte ") + hex + " that starts no valid UTF-8 sequence");
    }
  }

  void replay_sample_row(std::size_t i);

  /// Drops rows >= n from the builders (a row cut by the end of the buffer is parsed again after a refill).
  void rollback(std::size_t n);

  step parse_typed_row();

  /// The fast path: indexes the separators of a quote-free run of whole lines, then parses its rows with every
  /// field's bounds known. Anything unusual (a quote, a ragged row, a field that is not a plain number) goes
  /// through parse_typed_row or put_text, which handle every case and produce the precise errors.
  // (Defined in impl/csv_reader_rows.ipp, with the SIMD indexing and number parsing only the library needs.)
  step parse_fast_rows(std::size_t max_rows, std::size_t max_bytes);
#if MLPIPE_X86_DISPATCH
  __attribute__((target("avx2"))) step parse_fast_rows_avx2(std::size_t max_rows, std::size_t max_bytes);
#endif
  template <class FieldParser>
  step parse_fast_rows_with(std::size_t max_rows, std::size_t max_bytes, FieldParser parse_field);

  table finish_chunk();
  /// Column j of the chunk, its numbers (if numeric) in `values`.
  column finish_column(std::size_t j, detail::column_vector<double>& values);

  std::filesystem::path file_;
  csv_options opts_;
  std::ifstream in_;
  detail::column_vector<char> buf_;  // large buffers on huge pages, reused by the next reader
  detail::mapped_file map_;          // the file itself, when it could be mapped (then buf_ stays empty)
  std::size_t release_at_ = std::size_t{1} << 20;  // next position at which parsed pages are dropped
  std::size_t pos_ = 0, len_ = 0;
  std::uint64_t consumed_ = 0, source_bytes_ = 0;
  std::uint64_t data_begin_ = 0;                                     // byte offset of the first data row
  std::uint64_t limit_ = std::numeric_limits<std::uint64_t>::max();  // rows starting here or later are not read
  bool eof_ = false, finished_ = false, handed_out_ = false;
  std::size_t line_ = 1;
  const char* line_start_ = nullptr;  // start of the current physical line (valid while a row is parsed)
  std::array<bool, 256> special_{};

  std::size_t ncols_ = 0;
  std::vector<std::string> names_;
  std::vector<column_kind> kinds_;
  std::vector<std::size_t> string_cols_;
  std::vector<sample_row> sample_;
  std::size_t sample_next_ = 0;
  std::size_t text_row_bytes_ = 64, fixed_row_bytes_ = 8, row_bytes_estimate_ = 8;

  std::vector<builder> builders_;
  std::vector<dictionary> dicts_;
  std::string scratch_;
  std::vector<std::uint32_t> index_;
  std::vector<double*> num_out_;  // numeric columns' storage (null for other kinds), written by row index
  std::vector<double*> numeric_into_;  // read_all_parallel: where this range's numbers go (else the builders)
  std::size_t numeric_capacity_ = 0;   // rows numeric_into_ has room for
  std::size_t parse_threads_ = 1;
  std::size_t capacity_ = 0;      // rows the fixed-width columns can hold
  std::size_t inferred_from_ = 0; // rows in the type-inference sample
  std::size_t rows_ = 0, total_rows_ = 0;
};

/// Reads a whole CSV file into a table.
MLPIPE_DECL table read_csv(const std::filesystem::path& file, const csv_options& options = {});

/// Reads CSV text held in memory (`name` stands for the file in error messages).
MLPIPE_DECL table read_csv_string(std::string_view text, const csv_options& options = {}, std::string name = "<string>");

/// The column types the reader would use for a file (inferred from its first rows, then overridden).
MLPIPE_DECL std::map<std::string, column_kind> infer_csv_types(const std::filesystem::path& file,
                                                          const csv_options& options = {});

/// Streams a CSV file through `f` in tables whose memory (with the read buffer) stays within about
/// `memory_budget_bytes`, so files far larger than memory can be summarized. Chunks are handed in order; each
/// is destroyed before the next is read. Returns the number of rows read.
template <class F>
  requires std::invocable<F&, const table&>
std::size_t for_each_chunk(const std::filesystem::path& file, std::size_t memory_budget_bytes, F&& f,
                           csv_options options = {}) {
  // A quarter of the budget for the read buffer (at most 8 MiB), half for the chunk: the rest covers the
  // vectors' slack, the dictionaries and what `f` itself keeps.
  std::size_t io = std::clamp<std::size_t>(memory_budget_bytes / 16, std::size_t{64} << 10, std::size_t{8} << 20);
  options.read_buffer_bytes = io;
  std::size_t chunk_bytes = memory_budget_bytes > 2 * io ? (memory_budget_bytes - io) / 2 : memory_budget_bytes / 2;
  csv_reader r(file, std::move(options));
  std::size_t rows = 0;
  while (true) {
    std::optional<table> t = r.next_chunk(std::numeric_limits<std::size_t>::max(), chunk_bytes);
    if (!t) break;
    rows += t->rows();
    f(static_cast<const table&>(*t));
  }
  return rows;
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/csv_reader.ipp>
#endif
