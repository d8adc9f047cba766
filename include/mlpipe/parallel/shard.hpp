// mlpipe/parallel/shard.hpp: each rank's own rows of one CSV file (a byte range cut at row boundaries, a quoted
// newline never cutting a row) or its own files of a span; every rank streams only its shard, in chunks.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/parallel/communicator.hpp>

namespace mlpipe::parallel {

/// The rows one rank read: rows whose first byte lies in [begin, end) of `file` (or whole files), the number
/// of them, and the global number of its first row (the rows of lower ranks come before it).
struct shard_info {
  std::filesystem::path file;
  std::uint64_t begin = 0, end = 0;
  std::uint64_t rows = 0;
  std::uint64_t first_row = 0;
  std::uint64_t total_rows = 0;
  int rounds = 1;  // reading rounds until every rank's start was verified (more when a guess fell in a quote)
};

namespace detail {

/// The first offset >= `at` right after a line end (LF, CR or CRLF), or `size`: where a row starts if `at`
/// is not inside a quoted field. Only a guess; read_shard verifies it.
inline std::uint64_t guess_row_start(const std::filesystem::path& file, std::uint64_t at, std::uint64_t size) {
  if (at == 0 || at >= size) return std::min(at, size);
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw csv_error(file, 0, 0, 0, "", "a readable CSV file", "it cannot be opened");
  std::vector<char> buf(std::size_t{1} << 16);
  std::uint64_t pos = at - 1;  // the byte before `at` may already end a line
  std::uint64_t found = size;
  bool after_cr = false;
  while (pos < size) {
    ssize_t got = ::pread(fd, buf.data(), buf.size(), static_cast<off_t>(pos));
    if (got <= 0) break;
    for (ssize_t i = 0; i < got; ++i) {
      char c = buf[static_cast<std::size_t>(i)];
      std::uint64_t here = pos + static_cast<std::uint64_t>(i);
      if (after_cr) {  // CR then LF: the row starts after the LF
        found = c == '\n' ? here + 1 : here;
        if (found >= at) goto done;
        after_cr = false;
      }
      if (c == '\n' && here + 1 >= at) {
        found = here + 1;
        goto done;
      }
      if (c == '\r') after_cr = true;
    }
    pos += static_cast<std::uint64_t>(got);
  }
  if (after_cr) found = size;
done:
  ::close(fd);
  return std::min(found, size);
}

/// Lines before byte `upto` (for the line number of an error met in a shard).
inline std::size_t lines_before(const std::filesystem::path& file, std::uint64_t upto) {
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  std::vector<char> buf(std::size_t{1} << 20);
  std::size_t lines = 0;
  for (std::uint64_t pos = 0; pos < upto;) {
    ssize_t got = ::pread(fd, buf.data(), static_cast<std::size_t>(std::min<std::uint64_t>(buf.size(), upto - pos)),
                          static_cast<off_t>(pos));
    if (got <= 0) break;
    lines += static_cast<std::size_t>(std::count(buf.data(), buf.data() + got, '\n'));
    pos += static_cast<std::uint64_t>(got);
  }
  ::close(fd);
  return lines;
}

inline std::string encode_u64s(std::initializer_list<std::uint64_t> v) {
  std::string s(v.size() * 8, '\0');
  std::size_t i = 0;
  for (auto x : v) std::memcpy(s.data() + 8 * i++, &x, 8);
  return s;
}
inline std::uint64_t decode_u64(const std::string& s, std::size_t i) {
  std::uint64_t x = 0;
  std::memcpy(&x, s.data() + 8 * i, 8);
  return x;
}
}  // namespace detail

/// Streams this rank's shard of one CSV file through `add(state, chunk)`, starting from `make()`, and returns the
/// state with the shard's extent. Ranks split the data bytes evenly; rank k reads the rows that *start* in its
/// range. Where a range begins is first guessed (the next line end), then verified: rank k-1, reading from a
/// verified start, knows exactly where its last row ends; a rank whose guess differs (its offset fell inside a
/// quoted field holding a newline) reads again from there. Rank 0 starts at the first data row, so by induction
/// every accepted start is a true row start. A CSV error is reported only once the rank's start is verified
/// (an unverified start may parse garbage); it names the rank and the file's true line.
/// Without a collective (or a world of one) the whole file is this process's shard.
template <class Make, class Add>
auto read_shard(const collective* c, const std::filesystem::path& file, const csv_options& options,
                std::size_t chunk_bytes, Make&& make, Add&& add) {
  using state_t = decltype(make());
  const int N = c ? c->size() : 1, k = c ? c->rank() : 0;
  std::uint64_t size = 0, data_begin = 0;
  auto open_head = [&] {
    csv_reader head(file, [&] {
      auto o = options;
      o.read_buffer_bytes = std::min<std::size_t>(o.read_buffer_bytes, std::size_t{1} << 20);
      return o;
    }());
    size = head.total_bytes();
    data_begin = head.data_begin();
  };
  if (!c || N <= 1) {
    csv_reader r(file, options);
    state_t st = make();
    while (auto t = r.next_chunk(std::numeric_limits<std::size_t>::max(), chunk_bytes)) add(st, *t);
    shard_info info{file, r.data_begin(), r.bytes_read(), r.rows_read(), 0, r.rows_read(), 1};
    return std::pair<state_t, shard_info>{std::move(st), std::move(info)};
  }
  agree(*c, [&] {
    open_head();
    auto sizes = c->all_gather(detail::encode_u64s({size, data_begin}));
    for (int r = 0; r < N; ++r)
      if (sizes[static_cast<std::size_t>(r)] != sizes[0])
        throw std::runtime_error(file.string() + " differs between ranks (rank 0 sees " +
                                 std::to_string(detail::decode_u64(sizes[0], 0)) + " bytes, rank " + std::to_string(r) +
                                 " sees " + std::to_string(detail::decode_u64(sizes[static_cast<std::size_t>(r)], 0)) +
                                 "): every rank must read the same file");
  });
  auto offset = [&](int j) {
    return j >= N ? size : data_begin + static_cast<std::uint64_t>((static_cast<long double>(size - data_begin) * j) / N);
  };
  const std::uint64_t limit = k + 1 >= N ? std::numeric_limits<std::uint64_t>::max() : offset(k + 1);
  std::uint64_t start = 0;
  agree(*c, [&] { start = k == 0 ? data_begin : detail::guess_row_start(file, offset(k), size); });

  std::optional<state_t> st;
  std::uint64_t end = 0, rows = 0;
  std::string error;
  bool run = true;
  int rounds = 0;
  for (;;) {
    if (run) {
      ++rounds;
      error.clear();
      st.reset();
      try {
        csv_reader r(file, options);
        r.restrict_rows(start, limit);
        st.emplace(make());
        while (auto t = r.next_chunk(std::numeric_limits<std::size_t>::max(), chunk_bytes)) add(*st, *t);
        end = r.bytes_read();
        rows = r.rows_read();
      } catch (const csv_error& e) {
        std::size_t line = e.line() ? e.line() + detail::lines_before(file, start) : 0;
        error = csv_error(e.file(), line, e.column(), e.field_index(), e.field(), e.expected(), e.found()).what();
      } catch (const std::exception& e) {
        error = e.what();
      }
      if (!error.empty()) end = std::numeric_limits<std::uint64_t>::max();
    }
    // Every rank's (start, end, failed), then the first rank whose start is not its predecessor's end.
    auto all = c->all_gather(detail::encode_u64s({start, end, error.empty() ? 0u : 1u}));
    std::uint64_t expect = data_begin;
    int wrong = -1;
    for (int j = 0; j < N; ++j) {
      const auto& a = all[static_cast<std::size_t>(j)];
      if (detail::decode_u64(a, 0) != expect) {
        wrong = j;
        break;
      }
      if (detail::decode_u64(a, 2)) {  // a verified start that met an error: the file's first error
        auto msg = c->broadcast(error, j);
        throw parallel_error(j, msg);
      }
      expect = detail::decode_u64(a, 1);
    }
    if (wrong < 0) break;
    run = k == wrong;
    if (run) start = expect;
  }
  // rounds: every rank reports the most any rank needed
  std::uint64_t most = 0;
  for (auto& s : c->all_gather(detail::encode_u64s({static_cast<std::uint64_t>(rounds)})))
    most = std::max(most, detail::decode_u64(s, 0));
  shard_info info{file, start, end, rows, c->exclusive_prefix_sum(rows), c->sum(rows), static_cast<int>(most)};
  return std::pair<state_t, shard_info>{std::move(*st), std::move(info)};
}

/// The files of a span this rank reads: a contiguous run of the list (rank k of N takes files [kF/N, (k+1)F/N)).
inline std::vector<std::filesystem::path> shard_files(const std::vector<std::filesystem::path>& files, int rank,
                                                      int size) {
  const std::size_t F = files.size(), n = static_cast<std::size_t>(size), r = static_cast<std::size_t>(rank);
  return {files.begin() + static_cast<std::ptrdiff_t>(F * r / n), files.begin() + static_cast<std::ptrdiff_t>(F * (r + 1) / n)};
}

/// Streams this rank's files of a span (see shard_files) through `add(state, chunk)`. The column types are those
/// the first file's first rows give (every rank reads them), so all ranks' tables agree. A rank that cannot read
/// one of its files makes every rank throw a parallel_error naming that rank and file.
template <class Make, class Add>
auto read_file_shard(const collective* c, const std::vector<std::filesystem::path>& files, csv_options options,
                     std::size_t chunk_bytes, Make&& make, Add&& add) {
  using state_t = decltype(make());
  const int N = c && c->size() > 1 ? c->size() : 1, k = N > 1 ? c->rank() : 0;
  if (files.empty()) throw std::invalid_argument("read_file_shard: no files");
  std::optional<state_t> st;
  std::uint64_t rows = 0;
  auto work = [&] {
    {
      auto o = options;
      o.read_buffer_bytes = std::min<std::size_t>(o.read_buffer_bytes, std::size_t{1} << 20);
      csv_reader head(files.front(), o);
      for (std::size_t j = 0; j < head.num_columns(); ++j) options.column_types[head.names()[j]] = head.kinds()[j];
    }
    st.emplace(make());
    for (auto& f : shard_files(files, k, N)) {
      csv_reader r(f, options);
      while (auto t = r.next_chunk(std::numeric_limits<std::size_t>::max(), chunk_bytes)) add(*st, *t);
      rows += r.rows_read();
    }
  };
  if (N > 1) agree(*c, work);
  else work();
  shard_info info{files.front(), 0, 0, rows, N > 1 ? c->exclusive_prefix_sum(rows) : 0, N > 1 ? c->sum(rows) : rows, 1};
  return std::pair<state_t, shard_info>{std::move(*st), std::move(info)};
}

}  // namespace mlpipe::parallel
