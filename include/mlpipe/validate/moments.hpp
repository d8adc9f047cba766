// mlpipe/validate/moments.hpp: count, mean and variance of a stream of doubles, numerically stable and mergeable.
// Blocks are summed two-pass in cache, then combined with Chan et al.'s pairwise update, so any split merges exactly.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// Running count / mean / sum of squared deviations (M2). `add` takes finite values only (callers filter NaN/Inf).
/// Merging two moments is Chan, Golub & LeVeque's update: the result equals (up to rounding) the moments of the
/// concatenated data, whatever the split, so blocks, threads and machines combine in any order.
struct moments {
  std::uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of (x - mean)^2

  /// Adds a span of finite values: two passes over the span (it is in cache), then one Chan merge.
  void add(std::span<const double> x) noexcept;

  void add(double x) noexcept { add(std::span<const double>(&x, 1)); }

  /// Chan's parallel update.
  void merge(const moments& o) noexcept {
    if (o.count == 0) return;
    if (count == 0) { *this = o; return; }
    const double na = static_cast<double>(count), nb = static_cast<double>(o.count), n = na + nb;
    const double delta = o.mean - mean;
    mean += delta * (nb / n);
    m2 += o.m2 + delta * delta * (na * nb / n);
    count += o.count;
  }

  /// Sample variance (divisor n - 1, as pandas and R report it); NaN below two values.
  double variance() const noexcept { return count > 1 ? m2 / static_cast<double>(count - 1) : std::nan(""); }
  double std_dev() const noexcept { return std::sqrt(variance()); }
  /// Population variance (divisor n), as TFDV reports it.
  double population_variance() const noexcept { return count > 0 ? m2 / static_cast<double>(count) : std::nan(""); }
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/moments.ipp>
#endif
