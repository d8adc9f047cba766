// mlpipe/validate/impl/moments.ipp: bodies of validate/moments.hpp's non-template functions (compiled once into
// libmlpipe by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/moments.hpp>

namespace mlpipe {

MLPIPE_DECL void moments::add(std::span<const double> x) noexcept {
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

}  // namespace mlpipe
