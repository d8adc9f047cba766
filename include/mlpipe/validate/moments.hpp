// mlpipe/validate/moments.hpp: count, mean and variance of a stream of doubles, numerically stable and mergeable.
// Blocks are summed two-pass in cache, then combined with Chan et al.'s pairwise update, so any split merges exactly.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>

namespace mlpipe {

/// Running count / mean / sum of squared deviations (M2). `add` takes finite values only (callers filter NaN/Inf).
/// Merging two moments is Chan, Golub & LeVeque's update: the result equals (up to rounding) the moments of the
/// concatenated data, whatever the split, so blocks, threads and machines combine in any order.
struct moments {
  std::uint64_t count = 0;
  double mean = 0.0;
  double m2 = 0.0;  // sum of (x - mean)^2

  /// Adds a span of finite values: two passes over the span (it is in cache), then one Chan merge.
  void add(std::span<const double> x) noexcept {
    if (x.empty()) return;
    // Four independent lanes let the compiler pipeline (and vectorize) the sums without -ffast-math.
    const double* p = x.data();
    const std::size_t n = x.size();
    const std::size_t n4 = n - n % 4;  // (a bound, not i + 4 <= n: GCC 12 then warns falsely on the tail loop)
    double s[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < n4; i += 4)
      for (std::size_t l = 0; l < 4; ++l) s[l] += p[i + l];
    for (std::size_t i = n4; i < n; ++i) s[0] += p[i];
    const double bm = ((s[0] + s[1]) + (s[2] + s[3])) / static_cast<double>(n);
    double q[4] = {0, 0, 0, 0}, c[4] = {0, 0, 0, 0};
    for (std::size_t i = 0; i < n4; i += 4)
      for (std::size_t l = 0; l < 4; ++l) {
        double d = p[i + l] - bm;
        c[l] += d;
        q[l] += d * d;
      }
    for (std::size_t i = n4; i < n; ++i) {
      double d = p[i] - bm;
      c[0] += d;
      q[0] += d * d;
    }
    // Corrected two-pass (Chan, Golub & LeVeque 1983): subtract the rounding error of the block mean.
    const double csum = (c[0] + c[1]) + (c[2] + c[3]);
    const double bm2 = ((q[0] + q[1]) + (q[2] + q[3])) - csum * csum / static_cast<double>(n);
    merge(moments{n, bm + csum / static_cast<double>(n), bm2 > 0 ? bm2 : 0.0});
  }

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
