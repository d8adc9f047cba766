// mlpipe/validate/statistics.hpp: the `example_statistics` artifact ("ExampleStatistics") and the `statistics`
// stage: per split and per column, one pass over blocks of the table, columns in parallel, mergeable results.
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/validate/column_statistics.hpp>

namespace mlpipe {

/// Statistics of one split ("train", "eval", "baseline", or a file's name): its row count and its columns.
struct split_statistics {
  std::string name;
  std::uint64_t rows = 0;
  std::vector<column_statistics> columns;

  const column_statistics* find(std::string_view column) const noexcept {
    for (auto& c : columns)
      if (c.name() == column) return &c;
    return nullptr;
  }
  /// Adds other rows of the same data (columns matched by name; a column only in `o` is appended).
  void merge(const split_statistics& o);
};

/// The whole mergeable state of a split's statistics as bytes (CBOR: doubles bit for bit, every distinct value
/// of every categorical kept, so merged counts are exact).
MLPIPE_DECL std::string serialize_statistics(const split_statistics& s);
MLPIPE_DECL split_statistics deserialize_statistics(const std::string& bytes);

/// Merges every rank's statistics of one split: rank 0 merges them in rank order; every rank gets the result
/// (`everywhere`) or only rank 0 does (others keep their own). Counts, missing, min, max, zeros and value
/// counts are exact; mean and variance merge by Chan's formula; quantiles within the sketch's stated error.
MLPIPE_DECL split_statistics merge_statistics(const collective& c, split_statistics local, bool everywhere = true);

namespace detail {
/// Runs f(i) for i in [0, n) on up to `threads` threads (the calling thread is one of them).
template <class F>
void parallel_for(std::size_t n, std::size_t threads, F&& f) {
  threads = std::max<std::size_t>(1, std::min(threads, n));
  if (threads == 1) {
    for (std::size_t i = 0; i < n; ++i) f(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::exception_ptr error;
  std::mutex error_mutex;
  auto work = [&] {
    try {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) f(i);
    } catch (...) {
      std::lock_guard lock(error_mutex);
      if (!error) error = std::current_exception();
      next = n;
    }
  };
  std::vector<std::thread> pool;
  for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
}
}  // namespace detail

/// Accumulates the statistics of a stream of tables with the same columns (blocks of a table, chunks of a CSV
/// file), columns in parallel. Each column's result does not depend on the thread count.
class statistics_builder {
 public:
  explicit statistics_builder(std::string split, std::uint32_t sketch_k = quantile_sketch::default_k,
                              std::size_t threads = 1)
      : split_{std::move(split), 0, {}}, sketch_k_(sketch_k), threads_(threads) {}

  /// Adds a block: every column of the block, in parallel across columns.
  void add(const table_view& block);

  /// Adds a whole table in one pass: each thread takes whole columns and walks them block by block.
  void add(const table& t, std::size_t block_rows = 65536);

  /// Announces the total rows to come (when a stream knows or estimates it), for the sketches' sampling.
  void expect_rows(std::uint64_t n);

  const split_statistics& current() const noexcept { return split_; }
  split_statistics finish() && { return std::move(split_); }

 private:
  void prepare(const table_view& block);

  split_statistics split_;
  std::uint64_t expected_ = 0;
  std::uint32_t sketch_k_;
  std::size_t threads_;
};

/// Artifact "ExampleStatistics": statistics per split (train, eval, and baseline when present), per column.
/// Saved as readable JSON (statistics.json) that also holds the mergeable state (moments, sketches, counts).
struct example_statistics {
  static constexpr std::string_view type_name = "ExampleStatistics";

  statistics_options options;
  std::vector<split_statistics> splits;

  const split_statistics* split(std::string_view name) const noexcept {
    for (auto& s : splits)
      if (s.name == name) return &s;
    return nullptr;
  }
  const split_statistics& at(std::string_view name) const;

  nlohmann::json to_json() const;

  static example_statistics from_json(const nlohmann::json& j);

  void save(const std::filesystem::path& dir) const;
  static example_statistics load(const std::filesystem::path& dir);
  /// Hash of the canonical JSON (keys sorted, numbers printed round-trip exact).
  std::uint64_t fingerprint() const;

  /// A report a person reads: per split, a line per column.
  std::string to_text() const;
};

namespace detail {
MLPIPE_DECL std::string fmt_num(double v);
/// `s` padded to `w` characters; one space still separates it from its neighbour when it is wider.
MLPIPE_DECL std::string pad(std::string s, std::size_t w, bool right = true);
/// A value as a report shows it: at most `max` bytes (cut at a UTF-8 character boundary) then "...", and
/// control characters (a newline would break the table) as '?'.
MLPIPE_DECL std::string shown_value(std::string_view v, std::size_t max = 40);
}  // namespace detail

/// Statistics of a table as one split (columns in parallel on `threads` threads).
MLPIPE_DECL split_statistics compute_statistics(const table& t, std::string split_name, const statistics_options& opt = {},
                                           std::size_t threads = 1, std::size_t block_rows = 65536);

/// Stage `statistics`: examples -> example_statistics, for train, eval and (when present) baseline.
struct statistics {
  std::size_t histogram_buckets = 10;
  std::size_t top_k = 20;
  std::size_t kept_values = 1000;
  std::uint32_t sketch_k = quantile_sketch::default_k;
  std::size_t block_rows = 65536;
  MLPIPE_PARAMETERS(histogram_buckets, top_k, kept_values, sketch_k, block_rows);

  static constexpr std::string_view name = "statistics";
  static constexpr int version = 2;  // 2: sketch compactors at 3k, sampler sized by its error budget

  statistics_options options() const;

  /// Runs data-parallel under mpirun (`--run-node statistics`): each rank summarizes its share of the rows.
  static constexpr bool data_parallel = true;

  example_statistics operator()(const examples& in, context& ctx) const;

 private:
  void block_rows_loop(statistics_builder& b, const table& t, std::size_t lo, std::size_t hi) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/statistics.ipp>
#endif
