// mlpipe/validate/histogram.hpp: equal-width and quantile histograms of a numeric column, read off its sketch,
// and re-bucketing onto other boundaries (what drift needs to compare two histograms).
#pragma once

#include <cstddef>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/validate/quantile_sketch.hpp>

namespace mlpipe {

/// Buckets [b0,b1], (b1,b2], ..., (b[n-1],b[n]] with (possibly fractional, estimated) counts.
/// A column whose values are all equal has one bucket of zero width.
struct histogram {
  std::vector<double> boundaries;  // buckets + 1 ascending edges
  std::vector<double> counts;      // one per bucket

  std::size_t buckets() const noexcept { return counts.size(); }
  double total() const noexcept {
    double t = 0;
    for (double c : counts) t += c;
    return t;
  }

  /// `buckets` equal-width buckets between the sketch's exact min and max. Counts are n * (rank(b[i+1]) -
  /// rank(b[i])), so each is within 2 * rank_error() * n of the true count (exact while the sketch is exact).
  static histogram equal_width(const quantile_sketch& s, std::size_t buckets = 10);

  /// `buckets` buckets holding (about) the same number of values each: edges at the i/buckets quantiles.
  static histogram quantile_buckets(const quantile_sketch& s, std::size_t buckets = 10);

  /// The same mass spread onto other ascending edges, assuming values are uniform within each bucket (a
  /// zero-width bucket is a point mass). Mass outside the new edges goes to the nearest end bucket.
  histogram rebucket(const std::vector<double>& edges) const;

  friend MLPIPE_DECL void to_json(nlohmann::json& j, const histogram& h);
  friend MLPIPE_DECL void from_json(const nlohmann::json& j, histogram& h);
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/histogram.ipp>
#endif
