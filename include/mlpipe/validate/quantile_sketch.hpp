// mlpipe/validate/quantile_sketch.hpp: a mergeable KLL quantile sketch over doubles with a stated rank error.
// Answers quantile(q), rank(x) and the weighted sample behind them in O(k) memory, whatever the stream's length.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// KLL sketch (Karnin, Lang & Liberty 2016), laid out as Apache DataSketches does: level h holds items of weight
/// 2^h, capacities shrink by 2/3 per level below the top (never under 8), and a full level is sorted and halved by
/// keeping every other item from a random offset. Exact while the stream fits (n <= about 2,000 items).
///
/// Long streams are first sampled (one random item of every 2^s enters level s; KLL paper, section 4), so that
/// only a few thousand items per stream pay for sorting and compaction; they are sorted in batches of 2,048 by a
/// radix sort.
///
/// Stated error: a rank (and so a quantile) is within `rank_error() * n` of the truth with 99% confidence. `k` sets
/// the budget, rank_error(k, true) = 2.446 / k^0.9433 + sqrt(ln(200) / 2) / k (2.46% at k = 200), split as:
///   - compactors, run at 3k: 2.446 / (3k)^0.9433 for all queries at once (Apache DataSketches' measured bound;
///     0.59% at k = 200), once anything has been compacted;
///   - sampler: sqrt(ln(200) / 2 * sum of squared group weights) / n (Hoeffding, per query: each group of w items
///     errs by less than w, with mean 0), at most the rest of the budget (1.88% at k = 200), because sampling
///     keeps at least min_sample(k) items (7,512 at k = 200), and only starts beyond 2k^2 items (80,000 at
///     k = 200). See raise_sampling.
/// rank_error() reports the bound of the sketch as it is (0 while exact); it is mergeable (the squared weights add).
/// The random choices come from a seeded generator: the same input in the same order gives the same sketch.
class quantile_sketch {
 public:
  static constexpr std::uint32_t default_k = 200;
  /// Items sorted and compacted at once where items enter (a larger batch only lowers the error).
  static constexpr std::size_t entry_batch = 2048;

  explicit quantile_sketch(std::uint32_t k = default_k, std::uint64_t seed = 0x9E3779B97F4A7C15ULL);

  /// Error bound (99% confidence, normalized rank) that a sketch with this k keeps: the compactors' share alone,
  /// or the whole budget once the sketch samples.
  static double rank_error(std::uint32_t k, bool sampled = false) noexcept;
  /// The bound that applies to this sketch now (0 while it is exact).
  double rank_error() const noexcept;
  /// Fewest items the sampler keeps (n / 2^s), so that its error stays within the budget.
  static std::uint64_t min_sample(std::uint32_t k) noexcept;

  /// Announces that about `n` items will come in all (e.g. a column's length): sampling then starts at the
  /// level it would reach at the end, so only about min_sample(k) items are sorted however long the stream. The
  /// stated bound is computed from what really came (it grows if the stream is much shorter than announced).
  void expect(std::uint64_t n) noexcept { expected_ = n > expected_ ? n : expected_; }

  std::uint32_t k() const noexcept { return k_; }
  std::uint64_t count() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  /// True while no item has been discarded: quantiles are then exact.
  bool is_exact() const noexcept { return !compacted_ && sampler_weight_squares_ == 0; }
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  /// Items retained (the sketch's memory, in doubles).
  std::size_t retained() const noexcept { return size_ + pending_.size(); }

  /// Adds finite values (callers filter NaN and infinities).
  void update(double x) { update(std::span<const double>(&x, 1)); }
  void update(std::span<const double> xs);
  /// Adds finite values whose minimum and maximum the caller already has (one pass less over them).
  void update(std::span<const double> xs, double lo, double hi);

  /// Merges another sketch (any k; the result keeps this sketch's k).
  void merge(const quantile_sketch& o);

  /// The retained items with their weights, sorted by value (weights sum to count()).
  std::vector<std::pair<double, std::uint64_t>> weighted_items() const;

  /// Estimated q-quantile, interpolated like pandas/numpy ("linear") between the items holding ranks
  /// floor(q(n-1)) and ceil(q(n-1)); exact (equal to pandas) while is_exact(). NaN when empty.
  double quantile(double q) const { return quantiles(std::span<const double>(&q, 1))[0]; }

  std::vector<double> quantiles(std::span<const double> qs) const;

  /// Estimated fraction of values <= x.
  double rank(double x) const;

  friend MLPIPE_DECL void to_json(nlohmann::json& j, const quantile_sketch& s);
  friend MLPIPE_DECL void from_json(const nlohmann::json& j, quantile_sketch& s);

 private:
  static constexpr double hoeffding_99 = 2.6491586832740182;  // ln(2 / 0.01) / 2
  static std::uint32_t compactor_k(std::uint32_t k) noexcept;
  static double compactor_error(std::uint32_t kc) noexcept;
  static double budget(std::uint32_t k) noexcept;

  std::size_t capacity(std::size_t level) const noexcept { return capacities_[level]; }
  void recompute_capacity();
  void add_level();
  // Independent lanes (no std::minmax_element: its branches cost more than the whole rest of the sketch).
  void update_min_max(std::span<const double> xs) noexcept;
  void ingest(std::span<const double> xs);
  std::uint64_t next_random() noexcept;  // xorshift64
  bool coin() noexcept;

  // Sampling below the compactors (KLL paper, section 4): see raise_sampling in impl/quantile_sketch.ipp.
  void raise_sampling();
  void push_sample(double v);
  void ingest_sampled(std::span<const double> xs);
  void compress();
  void sort_level(std::size_t h);
  void compact(std::size_t h);

  std::uint32_t k_;
  std::uint32_t kc_;                   // the compactors' k (3k for sketches built here)
  std::uint64_t rng_;
  std::uint64_t n_ = 0;
  std::size_t size_ = 0, total_capacity_ = 0;
  double min_ = std::numeric_limits<double>::infinity(), max_ = -std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> levels_;
  std::vector<bool> sorted_ = std::vector<bool>(1, true);
  std::vector<double> scratch_, merged_;
  std::vector<std::uint64_t> keys_;    // radix sort buffers
  std::vector<std::size_t> capacities_;
  std::vector<double> pending_;        // raw items of the unfinished sample group (fewer than 2^sample_level_)
  std::size_t sample_level_ = 0;
  std::uint64_t expected_ = 0;         // announced stream length (expect())
  double sampler_weight_squares_ = 0;  // sum over sampled groups of their weight squared (the sampler's error)
  bool compacted_ = false;             // some level has been halved (the compactors' error applies)
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/quantile_sketch.ipp>
#endif
