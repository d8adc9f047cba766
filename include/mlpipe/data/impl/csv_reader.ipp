// mlpipe/data/impl/csv_reader.ipp: bodies of data/csv_reader.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <exception>
#include <thread>
#include <unordered_set>

#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/impl/csv_reader_rows.ipp>

namespace mlpipe {

MLPIPE_DECL std::string detail::quote_for_message(std::string_view s) {
  std::string out = "'";
  std::size_t n = 0;
  for (char c : s) {
    if (++n > 40) {
      out += "...";
      break;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {  // control bytes (a NUL would cut what())
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
      out += hex;
    } else out += c;
  }
  return out + "'";
}

namespace detail {

/// The first offset >= `at` right after a line end (LF, CR or CRLF) in data[0, size), or `size`: where a row
/// starts unless `at` lies inside a quoted field (read_all_parallel verifies it).
inline std::size_t row_start_at(const char* data, std::size_t size, std::size_t at) noexcept {
  if (at == 0 || at >= size) return std::min(at, size);
  for (std::size_t i = at - 1; i < size; ++i) {
    if (data[i] == '\n') return i + 1;  // i >= at - 1
    if (data[i] == '\r') {
      if (i + 1 < size && data[i + 1] == '\n') continue;  // CRLF: the row starts after the LF
      return i + 1;
    }
  }
  return size;
}

/// Line ends (LF, a CR not followed by LF) in data[0, n): one more than this bounds the rows that start there.
/// LFs are counted 16 bytes a step (SSE2, in every x86-64), byte counters summed before they can overflow.
inline std::size_t count_line_ends(const char* data, std::size_t n) noexcept {
  std::size_t lines = 0, i = 0;
#if defined(__SSE2__)
  const __m128i lf = _mm_set1_epi8('\n');
  while (i + 16 <= n) {
    __m128i acc = _mm_setzero_si128();
    for (std::size_t k = 0; k < 255 && i + 16 <= n; ++k, i += 16)
      acc = _mm_sub_epi8(acc, _mm_cmpeq_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + i)), lf));
    const __m128i sums = _mm_sad_epu8(acc, _mm_setzero_si128());
    lines += static_cast<std::size_t>(_mm_cvtsi128_si64(sums)) +
             static_cast<std::size_t>(_mm_cvtsi128_si64(_mm_unpackhi_epi64(sums, sums)));
  }
#endif
  for (; i < n; ++i) lines += data[i] == '\n';
  for (const char *p = data, *end = data + n; (p = static_cast<const char*>(std::memchr(p, '\r', end - p))); ++p)
    if (p + 1 == end || p[1] != '\n') ++lines;
  return lines;
}

}  // namespace detail

MLPIPE_DECL csv_reader::csv_reader(std::filesystem::path file, csv_options options)
    : file_(std::move(file)), opts_(std::move(options)) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(file_, ec))
    throw csv_error(file_, 0, 0, 0, "", "a readable CSV file", std::filesystem::exists(file_, ec) ? "not a regular file" : "no such file");
  if (opts_.map_file) map_ = detail::mapped_file(file_);
  if (map_) {  // the page cache read in place: no copy; consumed pages are released chunk by chunk
    len_ = map_.size();
    eof_ = true;
    source_bytes_ = map_.size();
    guard_cut([&] { start(); });
    return;
  }
  in_.open(file_, std::ios::binary);
  if (!in_) throw csv_error(file_, 0, 0, 0, "", "a readable CSV file", "it cannot be opened");
  source_bytes_ = std::filesystem::file_size(file_, ec);
  buf_.resize(std::max<std::size_t>(opts_.read_buffer_bytes, 4096) + padding);
  start();
}

MLPIPE_DECL void csv_reader::restrict_rows(std::uint64_t begin, std::uint64_t limit) {
  if (handed_out_ || total_rows_ > 0) throw std::logic_error("csv_reader::restrict_rows after rows were read");
  if (begin < data_begin_ || begin > source_bytes_)
    throw std::invalid_argument(file_.string() + ": a shard beginning at byte " + std::to_string(begin) +
                                " is outside the data rows (bytes " + std::to_string(data_begin_) + " to " +
                                std::to_string(source_bytes_) + ")");
  sample_.clear();
  sample_next_ = 0;
  limit_ = limit;
  finished_ = false;
  line_ = 1;
  if (map_) {
    pos_ = static_cast<std::size_t>(begin);
    release_at_ = pos_ + (std::size_t{1} << 20);
    return;
  }
  in_.clear();
  in_.seekg(static_cast<std::streamoff>(begin));
  if (!in_) throw csv_error(file_, 0, 0, 0, "", "a readable file", "it cannot be read at byte " + std::to_string(begin));
  consumed_ = begin;
  pos_ = len_ = 0;
  eof_ = false;
  std::memset(buf_.data(), 0, padding);
}

MLPIPE_DECL std::optional<table> csv_reader::next_chunk(std::size_t max_rows, std::size_t max_bytes) {
  if (!map_) return next_chunk_parsed(max_rows, max_bytes);
  std::optional<table> t;
  guard_cut([&] { t = next_chunk_parsed(max_rows, max_bytes); });
  return t;
}

MLPIPE_DECL table csv_reader::read_all() {
  if (map_ && !handed_out_ && limit_ == std::numeric_limits<std::uint64_t>::max() && parallel_threads() > 1) {
    table t;
    guard_cut([&] { t = read_all_parallel(); });
    return t;
  }
  table t;
  bool first = true;
  while (auto c = next_chunk()) {
    if (first) t = std::move(*c);
    else t.append(*c);
    first = false;
  }
  return t;
}

MLPIPE_DECL std::uintmax_t csv_reader::file_size_now() const {
  std::error_code ec;
  auto n = std::filesystem::file_size(file_, ec);
  return ec ? 0 : n;
}

MLPIPE_DECL std::optional<table> csv_reader::next_chunk_parsed(std::size_t max_rows, std::size_t max_bytes) {
  if (finished_ && handed_out_) return std::nullopt;
  max_rows = std::max<std::size_t>(max_rows, 1);
  begin_chunk(max_rows, max_bytes);
  fill(max_rows, max_bytes);
  if (rows_ == 0 && handed_out_) {
    finished_ = true;
    return std::nullopt;
  }
  handed_out_ = true;
  total_rows_ += rows_;
  return finish_chunk();
}

MLPIPE_DECL void csv_reader::fill(std::size_t max_rows, std::size_t max_bytes) {
  while (rows_ < max_rows && !over_budget(max_bytes)) {
    if (sample_next_ < sample_.size()) {
      replay_sample_row(sample_next_++);
      continue;
    }
    if (finished_) break;
    if (consumed_ + pos_ >= limit_) {  // a shard: the next row belongs to the next one
      finished_ = true;
      break;
    }
    release_parsed();
    step s = parse_fast_rows(max_rows, max_bytes);
    if (s == step::need_more) {
      if (!refill()) { /* eof now set; loop parses the tail */ }
      continue;
    }
    if (s == step::done) {
      finished_ = true;
      break;
    }
  }
  if (sample_next_ >= sample_.size() && !sample_.empty()) {
    sample_.clear();
    sample_.shrink_to_fit();
  }
}

MLPIPE_DECL csv_reader::csv_reader(std::string_view text, csv_options options, std::string name)
    : file_(std::move(name)), opts_(std::move(options)) {
  buf_.resize(text.size() + padding);
  std::memcpy(buf_.data(), text.data(), text.size());
  std::memset(buf_.data() + text.size(), 0, padding);
  len_ = text.size();
  eof_ = true;
  source_bytes_ = text.size();
  start();
}

MLPIPE_DECL bool csv_reader::refill() {
  if (eof_) return false;
  if (pos_ > 0) {
    std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
    consumed_ += pos_;
    len_ -= pos_;
    pos_ = 0;
  }
  std::size_t cap = buf_.size() - padding;
  if (len_ == cap) {
    buf_.resize(cap * 2 + padding);
    cap *= 2;
  }
  in_.read(buf_.data() + len_, static_cast<std::streamsize>(cap - len_));
  auto got = static_cast<std::size_t>(in_.gcount());
  len_ += got;
  if (got < cap - len_ + got) eof_ = true;
  if (in_.bad()) throw csv_error(file_, line_, 0, 0, "", "a readable file", "a read error");
  std::memset(buf_.data() + len_, 0, padding);
  return got > 0;
}

MLPIPE_DECL void csv_reader::start() {
  special_.fill(false);
  special_[static_cast<unsigned char>(opts_.delimiter)] = true;
  special_[static_cast<unsigned char>('\n')] = true;
  special_[static_cast<unsigned char>('\r')] = true;
  special_[0] = true;
  if (opts_.delimiter == opts_.quote || opts_.delimiter == '\n' || opts_.delimiter == '\r')
    throw csv_error(file_, 0, 0, 0, "", "a delimiter different from the quote and from newlines",
                    detail::quote_for_message(std::string(1, opts_.delimiter)));
  if (!eof_) refill();
  while (len_ < 3 && !eof_) refill();
  if (len_ >= 3 && std::memcmp(data(), "\xEF\xBB\xBF", 3) == 0) pos_ = 3;  // UTF-8 byte order mark

  std::vector<std::string> first;
  std::vector<std::pair<std::size_t, std::size_t>> first_pos;
  data_begin_ = consumed_ + pos_;
  bool have_first = next_text_row(first, first_pos);
  if (!have_first)
    throw csv_error(file_, 0, 0, 0, "", opts_.header ? "a header row" : "at least one row",
                    len_ == 0 ? "an empty file" : "only blank lines");
  if (opts_.header) {
    names_ = std::move(first);
    check_names(first_pos);
  } else {
    for (std::size_t j = 0; j < first.size(); ++j) names_.push_back("column_" + std::to_string(j + 1));
    sample_row r;
    for (std::size_t j = 0; j < first.size(); ++j) r.push_back({std::move(first[j]), first_pos[j].first, first_pos[j].second});
    sample_.push_back(std::move(r));
  }
  if (opts_.header) data_begin_ = consumed_ + pos_;
  ncols_ = names_.size();
  std::vector<std::string> fields;
  std::vector<std::pair<std::size_t, std::size_t>> pos;
  while (sample_.size() < opts_.inference_rows && next_text_row(fields, pos)) {
    sample_row r;
    r.reserve(ncols_);
    for (std::size_t j = 0; j < fields.size(); ++j) r.push_back({std::move(fields[j]), pos[j].first, pos[j].second});
    sample_.push_back(std::move(r));
  }
  infer_kinds();
  dicts_.resize(ncols_);
  builders_.resize(ncols_);
}

MLPIPE_DECL void csv_reader::check_names(const std::vector<std::pair<std::size_t, std::size_t>>& pos) {
  std::unordered_map<std::string_view, std::size_t> seen;
  for (std::size_t j = 0; j < names_.size(); ++j) {
    auto& n = names_[j];
    if (n.empty())
      throw csv_error(file_, pos[j].first, pos[j].second, j + 1, "", "a column name in the header", "an empty name");
    if (opts_.validate_utf8) {
      auto bad = detail::find_invalid_utf8(n);
      if (bad != std::string_view::npos)
        throw csv_error(file_, pos[j].first, pos[j].second + bad, j + 1, "", "a column name in valid UTF-8",
                        "an invalid byte");
    }
    auto [it, fresh] = seen.emplace(n, j);
    if (!fresh)
      throw csv_error(file_, pos[j].first, pos[j].second, j + 1, n,
                      "unique column names in the header",
                      "a duplicate of field " + std::to_string(it->second + 1));
  }
}

MLPIPE_DECL std::string csv_reader::missing_list() const {
  std::string s;
  for (auto& m : opts_.missing_markers) s += (s.empty() ? "" : ", ") + (m.empty() ? std::string("empty") : m);
  return s;
}

MLPIPE_DECL void csv_reader::infer_kinds() {
  inferred_from_ = sample_.size();
  kinds_.assign(ncols_, column_kind::numeric);
  std::size_t fixed = 0, text_bytes = 0, text_rows = 0;
  for (std::size_t j = 0; j < ncols_; ++j) {
    auto over = opts_.column_types.find(names_[j]);
    bool numeric = true;
    std::size_t present = 0;
    std::unordered_set<std::string_view> distinct;
    for (auto& r : sample_) {
      std::string_view t = r[j].text;
      text_bytes += t.size() + 1;
      if (is_missing(t)) continue;
      ++present;
      double v;
      // a number too large for a double is still a number: the column is numeric and the value an error
      if (numeric && detail::parse_number_text(t, v) == detail::number_status::not_a_number) numeric = false;
      if (distinct.size() <= opts_.categorical_max_distinct) distinct.insert(t);
    }
    text_rows = sample_.size();
    column_kind k;
    if (over != opts_.column_types.end()) k = over->second;
    else if (numeric) k = column_kind::numeric;
    else if (distinct.size() <= opts_.categorical_max_distinct &&
             (distinct.size() <= opts_.categorical_always_distinct ||
              static_cast<double>(distinct.size()) <= opts_.categorical_max_ratio * static_cast<double>(present)))
      k = column_kind::categorical;
    else k = column_kind::string;
    kinds_[j] = k;
    fixed += k == column_kind::numeric ? 8 : k == column_kind::categorical ? 4 : 8;
  }
  text_row_bytes_ = text_rows ? std::max<std::size_t>(text_bytes / text_rows, 1) : 64;
  std::size_t string_chars = 0;
  for (std::size_t j = 0; j < ncols_; ++j)
    if (kinds_[j] == column_kind::string)
      for (auto& r : sample_) string_chars += r[j].text.size();
  fixed_row_bytes_ = fixed + 1;
  row_bytes_estimate_ = fixed_row_bytes_ + (text_rows ? string_chars / text_rows : 0);
  for (std::size_t j = 0; j < ncols_; ++j)
    if (kinds_[j] == column_kind::string) string_cols_.push_back(j);
}

MLPIPE_DECL bool csv_reader::next_text_row(std::vector<std::string>& fields,
                                         std::vector<std::pair<std::size_t, std::size_t>>& pos) {
  for (;;) {
    step s = parse_text_row(fields, pos);
    if (s == step::row) return true;
    if (s == step::done) return false;
    if (s == step::need_more) refill();
  }
}

MLPIPE_DECL csv_reader::step csv_reader::parse_text_row(std::vector<std::string>& fields,
                                                        std::vector<std::pair<std::size_t, std::size_t>>& pos) {
  const char* base = data();
  const char* p = base + pos_;
  const char* end = base + len_;
  if (p == end) return eof_ ? step::done : step::need_more;
  if (*p == '\n' || *p == '\r') return skip_blank(p, end);
  fields.clear();
  pos.clear();
  std::size_t line0 = line_;
  line_start_ = p;
  for (;;) {
    std::size_t fline = line_, fcol = static_cast<std::size_t>(p - line_start_) + 1;
    std::string text;
    if (*p == opts_.quote && p != end) {
      if (!parse_quoted(p, end, text, fields.size())) {
        line_ = line0;
        return step::need_more;
      }
    } else {
      const char* s = scan(p, end);
      text.assign(p, s);
      p = s;
    }
    fields.push_back(std::move(text));
    pos.emplace_back(fline, fcol);
    if (p == end && !eof_) {
      line_ = line0;
      return step::need_more;
    }
    if (ncols_ && fields.size() > ncols_) too_many_fields(pos.back().first, pos.back().second);
    if (p != end && *p == opts_.delimiter) {
      ++p;
      continue;
    }
    if (ncols_ && fields.size() < ncols_) too_few_fields(p, fields.size());
    if (!end_line(p, end)) {
      line_ = line0;
      return step::need_more;
    }
    pos_ = static_cast<std::size_t>(p - base);
    return step::row;
  }
}

MLPIPE_DECL void csv_reader::too_many_fields(std::size_t line, std::size_t col) const {
  throw csv_error(file_, line, col, 0, "", std::to_string(ncols_) + " fields as in the header",
                  "a field number " + std::to_string(ncols_ + 1) + " (a ragged row)");
}

MLPIPE_DECL void csv_reader::too_few_fields(const char* p, std::size_t found) const {
  throw csv_error(file_, line_, static_cast<std::size_t>(p - line_start_) + 1, 0, "",
                  std::to_string(ncols_) + " fields as in the header",
                  "only " + std::to_string(found) + " (a ragged row)");
}

MLPIPE_DECL void csv_reader::begin_chunk(std::size_t max_rows, std::size_t max_bytes) {
  rows_ = 0;
  std::uint64_t remaining = source_bytes_ > bytes_read() ? source_bytes_ - bytes_read() : 0;
  std::size_t expect = static_cast<std::size_t>(remaining / text_row_bytes_) + sample_.size() - sample_next_;
  expect = expect + expect / 16 + 64;
  expect = std::min({expect, max_rows, max_bytes / std::max<std::size_t>(fixed_row_bytes_, 1) + 64});
  if (!numeric_into_.empty()) expect = numeric_capacity_;
  for (std::size_t j = 0; j < ncols_; ++j) {
    auto& b = builders_[j];
    b = builder{};
    b.valid.reserve(expect / 64 + 1);
    switch (kinds_[j]) {
      case column_kind::numeric:  // uninitialized: every kept slot is written
        if (numeric_into_.empty()) b.values.resize(expect);
        break;
      case column_kind::categorical: b.codes.resize(expect); break;
      case column_kind::string:
        b.offsets.reserve(expect + 1);
        b.offsets.push_back(0);
        break;
    }
  }
  capacity_ = expect;
  refresh_outputs();
}

MLPIPE_DECL void csv_reader::grow() {
  if (!numeric_into_.empty())  // read_all_parallel sizes the storage by the range's line ends: never reached
    throw std::logic_error(file_.string() + ": more rows than line ends in a byte range");
  capacity_ = capacity_ * 2 + 64;
  for (std::size_t j = 0; j < ncols_; ++j) {
    if (kinds_[j] == column_kind::numeric) builders_[j].values.resize(capacity_);
    if (kinds_[j] == column_kind::categorical) builders_[j].codes.resize(capacity_);
  }
  refresh_outputs();
}

MLPIPE_DECL void csv_reader::refresh_outputs() {
  num_out_.assign(ncols_, nullptr);
  for (std::size_t j = 0; j < ncols_; ++j)
    if (kinds_[j] == column_kind::numeric)
      num_out_[j] = numeric_into_.empty() ? builders_[j].values.data() : numeric_into_[j];
}

MLPIPE_DECL void csv_reader::replay_sample_row(std::size_t i) {
  start_row();
  auto& r = sample_[i];
  for (std::size_t j = 0; j < ncols_; ++j) put_text(j, r[j].text, r[j].line, r[j].col);
  ++rows_;
}

MLPIPE_DECL void csv_reader::rollback(std::size_t n) {
  for (std::size_t j = 0; j < ncols_; ++j) {
    auto& b = builders_[j];
    if (kinds_[j] == column_kind::string) {  // fixed-width columns are written by row index: nothing to undo
      b.offsets.resize(n + 1);
      b.chars.resize(b.offsets.back());
    }
    b.valid.resize(detail::validity_words(n));
    if (n & 63) b.valid.back() |= ~((std::uint64_t{1} << (n & 63)) - 1);  // rows from n on: present again
  }
}

MLPIPE_DECL table csv_reader::finish_chunk() {
  table t;
  for (std::size_t j = 0; j < ncols_; ++j) t.add(finish_column(j, builders_[j].values));
  return t;
}

MLPIPE_DECL column csv_reader::finish_column(std::size_t j, detail::column_vector<double>& values) {
  auto& b = builders_[j];
  b.valid.resize(detail::validity_words(rows_));
  if (rows_ & 63) b.valid.back() &= (std::uint64_t{1} << (rows_ & 63)) - 1;
  column c;
  switch (kinds_[j]) {
    case column_kind::numeric:
      values.resize(rows_);
      c = column::numeric_from(names_[j], std::move(values), std::move(b.valid), detail::trusted_t{});
      break;
    case column_kind::categorical:
      b.codes.resize(rows_);
      c = column::categorical_from(names_[j], std::move(b.codes), dicts_[j].values, std::move(b.valid),
                                   detail::trusted_t{});
      break;
    case column_kind::string:
      c = column::strings(names_[j], std::move(b.chars), std::move(b.offsets), std::move(b.valid));
      break;
  }
  b = builder{};
  return c;
}

MLPIPE_DECL std::size_t csv_reader::parallel_threads() const noexcept {
  std::size_t want = opts_.threads ? opts_.threads : std::max(1u, std::thread::hardware_concurrency());
  std::uint64_t bytes = source_bytes_ > data_begin_ ? source_bytes_ - data_begin_ : 0;
  return std::max<std::size_t>(1, std::min<std::uint64_t>(want, bytes / std::max<std::size_t>(opts_.min_bytes_per_thread, 1)));
}

// Each thread parses the rows that start in its byte range, the numbers straight into the table's columns at
// the range's first row (storage sized by the line ends before it). The ranges' starts are guessed at line
// ends; reader k-1, which starts at a true row start, ends where row k truly starts, so a guess that fell inside
// a quoted field shows as a mismatch. Then, as on any CSV error, the file is read again on one thread: that read
// gives the table, or the error with the file's own line number.
MLPIPE_DECL table csv_reader::read_all_parallel() {
  const std::size_t K = parallel_threads();
  const char* const data = map_.data();
  const std::size_t size = map_.size();
  std::vector<std::size_t> start(K + 1, size);
  start[0] = static_cast<std::size_t>(data_begin_);
  for (std::size_t k = 1; k < K; ++k)
    start[k] = detail::row_start_at(data, size, start[0] + (size - start[0]) / K * k);
  auto sequential = [&] {
    csv_options o = opts_;
    o.threads = 1;
    csv_reader one(file_, std::move(o));
    table t = one.read_all();
    finished_ = handed_out_ = true;
    total_rows_ = t.rows();
    return t;
  };
  for (std::size_t k = 1; k < K; ++k)  // this reader's sample must lie in its own range
    if (start[k] <= start[k - 1] || (k == 1 && start[1] < pos_)) return sequential();

  // A reader per further range (the header parsed again, the types fixed to this reader's). Each range's
  // line ends are counted through its own reader's map, whose pages its parse then drops behind itself.
  std::vector<csv_reader> readers;
  readers.reserve(K - 1);
  try {
    for (std::size_t k = 1; k < K; ++k) {
      csv_options o = opts_;
      for (std::size_t j = 0; j < ncols_; ++j) o.column_types[names_[j]] = kinds_[j];
      o.inference_rows = 1;  // the types are given: no sample to parse (restrict_rows drops it anyway)
      readers.emplace_back(file_, std::move(o));
      if (readers.back().names_ != names_ || readers.back().kinds_ != kinds_ || readers.back().map_.size() != size)
        return sequential();  // the file changed since this reader opened it
    }
  } catch (const csv_error&) {
    return sequential();
  }
  auto reader = [&](std::size_t k) -> csv_reader& { return k == 0 ? *this : readers[k - 1]; };
  std::vector<std::size_t> bound(K), base(K + 1, 0);
  {
    auto count = [&](std::size_t k) {  // 4 MiB at a time, each dropped once counted: the map stays small
      auto& m = reader(k).map_;
      bound[k] = 1;
      for (std::size_t at = start[k], step = std::size_t{4} << 20; at < start[k + 1]; at += step) {
        const std::size_t n = std::min(step, start[k + 1] - at);
        bound[k] += detail::count_line_ends(m.data() + at, n);
        m.release(at, at + n);
      }
    };
    std::vector<std::thread> counters;
    for (std::size_t k = 1; k < K; ++k) counters.emplace_back(count, k);
    count(0);
    for (auto& t : counters) t.join();
  }
  for (std::size_t k = 0; k < K; ++k) base[k + 1] = base[k] + bound[k];

  // A column of 1 MiB or more is given whole 2 MiB blocks (column_allocator maps those on huge pages): just
  // below one, it would fault in 4 KiB pages, hundreds of faults per column where one does.
  const std::size_t huge_doubles = detail::column_allocator<double>::huge / sizeof(double);
  const std::size_t room = base[K] >= huge_doubles / 2 ? (base[K] + huge_doubles - 1) / huge_doubles * huge_doubles : base[K];
  std::vector<detail::column_vector<double>> numbers(ncols_);
  for (std::size_t j = 0; j < ncols_; ++j)
    if (kinds_[j] == column_kind::numeric) {
      numbers[j].reserve(room);
      numbers[j].resize(base[K]);  // uninitialized until parsed
    }
  std::vector<std::exception_ptr> failed(K);
  auto parse = [&](csv_reader& r, std::size_t k) {
    try {
      r.numeric_into_.assign(ncols_, nullptr);
      for (std::size_t j = 0; j < ncols_; ++j)
        if (kinds_[j] == column_kind::numeric) r.numeric_into_[j] = numbers[j].data() + base[k];
      r.numeric_capacity_ = bound[k];
      if (k > 0) r.restrict_rows(start[k], start[k + 1] < size ? start[k + 1] : std::numeric_limits<std::uint64_t>::max());
      else r.limit_ = start[1];
      r.begin_chunk(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
      r.fill(std::numeric_limits<std::size_t>::max(), std::numeric_limits<std::size_t>::max());
    } catch (...) {
      failed[k] = std::current_exception();
    }
  };
  {
    std::vector<std::thread> workers;
    for (std::size_t k = 1; k < K; ++k) workers.emplace_back(parse, std::ref(readers[k - 1]), k);
    parse(*this, 0);
    for (auto& t : workers) t.join();
  }
  for (std::size_t k = 0; k < K; ++k)
    if (failed[k]) {
      try {
        std::rethrow_exception(failed[k]);
      } catch (const csv_error&) {
        return sequential();  // the error again, with the file's line number (or a range that began in a quote)
      }
    }
  for (std::size_t k = 1; k < K; ++k)
    if (reader(k - 1).bytes_read() != start[k]) return sequential();  // a guessed start inside a quoted field

  // Ranges that held fewer rows than line ends (blank lines, quoted line ends) leave gaps: close them.
  std::size_t rows = reader(0).rows_;
  for (std::size_t k = 1; k < K; ++k) {
    const std::size_t n = reader(k).rows_;
    if (rows != base[k])
      for (std::size_t j = 0; j < ncols_; ++j)
        if (kinds_[j] == column_kind::numeric)
          std::memmove(numbers[j].data() + rows, numbers[j].data() + base[k], n * sizeof(double));
    rows += n;
  }
  table t;
  for (std::size_t j = 0; j < ncols_; ++j) {
    if (kinds_[j] == column_kind::numeric) {
      std::vector<std::uint64_t> valid;
      valid.reserve(detail::validity_words(rows));
      std::size_t at = 0;
      for (std::size_t k = 0; k < K; ++k) {
        detail::append_bits(valid, at, reader(k).builders_[j].valid, reader(k).rows_);
        at += reader(k).rows_;
        reader(k).builders_[j] = builder{};
      }
      numbers[j].resize(rows);
      t.add(column::numeric_from(names_[j], std::move(numbers[j]), std::move(valid), detail::trusted_t{}));
    } else {
      detail::column_vector<double> none;
      column c = finish_column(j, none);
      for (std::size_t k = 1; k < K; ++k) c.append(reader(k).finish_column(j, none));  // dictionaries merged in file order
      t.add(std::move(c));
    }
  }
  numeric_into_.clear();
  finished_ = handed_out_ = true;
  total_rows_ = rows;
  parse_threads_ = K;
  return t;
}

MLPIPE_DECL table read_csv(const std::filesystem::path& file, const csv_options& options) {
  return csv_reader(file, options).read_all();
}

MLPIPE_DECL table read_csv_string(std::string_view text, const csv_options& options, std::string name) {
  return csv_reader::from_string(text, options, std::move(name)).read_all();
}

MLPIPE_DECL std::map<std::string, column_kind> infer_csv_types(const std::filesystem::path& file, const csv_options& options) {
  csv_options o = options;
  o.read_buffer_bytes = std::min<std::size_t>(o.read_buffer_bytes, std::size_t{1} << 20);
  csv_reader r(file, o);
  std::map<std::string, column_kind> m;
  for (std::size_t j = 0; j < r.num_columns(); ++j) m[r.names()[j]] = r.kinds()[j];
  return m;
}

}  // namespace mlpipe
