// mlpipe/data/impl/csv_reader.ipp: bodies of data/csv_reader.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <exception>
#include <thread>

#include <mlpipe/data/csv_reader.hpp>

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
