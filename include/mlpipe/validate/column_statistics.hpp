// mlpipe/validate/column_statistics.hpp: the mergeable statistics of one column (numeric, categorical or string),
// accumulated block by block and summarized on demand: moments, counts, sketch quantiles, histograms, top values.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/validate/histogram.hpp>
#include <mlpipe/validate/moments.hpp>
#include <mlpipe/validate/quantile_sketch.hpp>
#include <mlpipe/validate/value_counts.hpp>

namespace mlpipe {

/// What the summaries of a statistics artifact show (the accumulated state does not depend on it).
struct statistics_options {
  std::size_t histogram_buckets = 10;  // equal-width and quantile histograms
  std::size_t top_k = 20;              // most frequent values shown for categoricals and strings
  std::size_t kept_values = 1000;      // distinct values saved per column (the most frequent), enough for domains
  std::vector<double> quantiles = {0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99};
  std::uint32_t sketch_k = quantile_sketch::default_k;
};

namespace detail {
/// Linear-interpolated quantile of sorted weighted items (same rule as numpy's default).
MLPIPE_DECL double weighted_quantile(const std::vector<std::pair<double, std::uint64_t>>& items, double q);
}  // namespace detail

/// Statistics of one column. Counts, mean, variance, min and max merge exactly (variance by Chan's update);
/// quantiles, histograms, median, MAD and outlier shares come from the KLL sketch, within its stated rank error.
/// Numeric: NaN and infinities present in the data are counted apart and kept out of the moments and sketch.
/// Categorical and string: exact counts per distinct value.
class column_statistics {
 public:
  column_statistics() = default;
  column_statistics(std::string name, column_kind kind, std::uint32_t sketch_k = quantile_sketch::default_k)
      : name_(std::move(name)), kind_(kind), sketch_(sketch_k) {}

  const std::string& name() const noexcept { return name_; }
  column_kind kind() const noexcept { return kind_; }
  bool is_numeric() const noexcept { return kind_ == column_kind::numeric; }

  std::uint64_t rows() const noexcept { return rows_; }
  std::uint64_t missing() const noexcept { return missing_; }
  /// Rows with a value (including NaN / infinities for numerics).
  std::uint64_t present() const noexcept { return rows_ - missing_; }
  double presence() const noexcept { return rows_ ? static_cast<double>(present()) / static_cast<double>(rows_) : 1.0; }

  // ---- numeric ----
  std::uint64_t nan_count() const noexcept { return nan_; }
  std::uint64_t inf_count() const noexcept { return inf_; }
  std::uint64_t zeros() const noexcept { return zeros_; }
  /// Finite values (those in the moments and the sketch).
  std::uint64_t finite() const noexcept { return moments_.count; }
  double mean() const noexcept { return moments_.count ? moments_.mean : std::numeric_limits<double>::quiet_NaN(); }
  double std_dev() const noexcept { return moments_.std_dev(); }
  const moments& raw_moments() const noexcept { return moments_; }
  double min() const noexcept { return finite() ? sketch_.min() : std::numeric_limits<double>::quiet_NaN(); }
  double max() const noexcept { return finite() ? sketch_.max() : std::numeric_limits<double>::quiet_NaN(); }
  const quantile_sketch& sketch() const noexcept { return sketch_; }
  double quantile(double q) const { return sketch_.quantile(q); }
  double median() const { return sketch_.quantile(0.5); }
  /// Median absolute deviation from the median, from the sketch's weighted items (exact while the sketch is).
  double mad() const;
  /// Share of finite values whose robust z-score |x - median| / (1.4826 MAD) exceeds `cut`, read off the sketch
  /// (within 2 * rank_error of the truth). 0 when MAD is 0 (the robust z-score is then undefined).
  double outlier_share(double cut) const;
  /// Estimated number of finite values outside [lo, hi] (exact when the sketch is exact).
  double count_outside(double lo, double hi) const;
  histogram equal_width_histogram(std::size_t buckets = 10) const { return histogram::equal_width(sketch_, buckets); }
  histogram quantile_histogram(std::size_t buckets = 10) const { return histogram::quantile_buckets(sketch_, buckets); }

  // ---- categorical / string ----
  const value_counter& values() const noexcept { return values_; }
  std::size_t distinct() const noexcept { return values_.distinct(); }
  double average_length() const noexcept { return values_.average_length(); }
  std::vector<value_count> top(std::size_t k) const { return values_.top(k); }

  // ---- accumulation ----
  /// Announces the column's total length, so the sketch samples from the start (see quantile_sketch::expect).
  void expect_rows(std::uint64_t n) noexcept { sketch_.expect(n); }

  /// Adds the rows of a column (or a block of it). The kind must match.
  void add(const column_view& c);

  /// Combines the statistics of other rows of the same column.
  void merge(const column_statistics& o);

  // ---- JSON: the summaries a person reads, and the state needed to merge or re-summarize ----
  nlohmann::json to_json(const statistics_options& opt) const;

  static column_statistics from_json(const nlohmann::json& j);

 private:
  // One pass per block of 2048 values (in L1 after that): the vectorized scan gives the moments' shifted sums,
  // min, max, zeros and whether all values are finite; the sketch then samples the same block.
  static constexpr std::size_t chunk = 2048;

  void add_numeric(const column_view& c, std::size_t miss);

  // Present values (possibly NaN or infinite).
  void add_values(const double* p, std::size_t n);

  void add_categorical(const column_view& c);

  std::string name_;
  column_kind kind_ = column_kind::numeric;
  std::uint64_t rows_ = 0, missing_ = 0, nan_ = 0, inf_ = 0, zeros_ = 0;
  moments moments_;
  quantile_sketch sketch_;
  value_counter values_;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/column_statistics.ipp>
#endif
