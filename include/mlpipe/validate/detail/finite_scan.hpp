// mlpipe/validate/detail/finite_scan.hpp: one vectorized pass over a block of doubles giving its shifted sums,
// minimum, maximum and zero count, and telling whether every value was finite (what the statistics need per value).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>

#include <mlpipe/data/detail/cpu.hpp>

namespace mlpipe::detail {

/// Sums of d = x - shift and d^2, min, max and zeros of a block. `finite` is false when some value is NaN or
/// infinite, or the sums overflowed: the caller then takes the careful path for that block.
struct finite_scan_result {
  double s1 = 0, s2 = 0, lo = 0, hi = 0;
  std::uint64_t zeros = 0;
  bool finite = true;
};

#if defined(__GNUC__)
#define MLPIPE_FINITE_SCAN_INLINE inline __attribute__((always_inline))
#else
#define MLPIPE_FINITE_SCAN_INLINE inline
#endif

// Written with GCC/Clang vector extensions: two 4-lane accumulators per quantity, so that the adds of successive
// iterations do not wait on each other. The same body compiles to SSE2 pairs or to AVX2 (see finite_scan).
MLPIPE_FINITE_SCAN_INLINE finite_scan_result finite_scan_body(const double* p, std::size_t n, double shift) noexcept {
  finite_scan_result r;
  if (n == 0) return r;
#if defined(__GNUC__)
  using v4d = double __attribute__((vector_size(32)));
  using v4l = long long __attribute__((vector_size(32)));
  const v4d k = {shift, shift, shift, shift};
  v4d s1a = {0, 0, 0, 0}, s1b = s1a, s2a = s1a, s2b = s1a;
  v4d loa = {p[0], p[0], p[0], p[0]}, lob = loa, hia = loa, hib = loa;
  v4l za = {0, 0, 0, 0}, zb = za;
  const v4d zero = {0, 0, 0, 0};
  std::size_t i = 0;
  const std::size_t n8 = n - n % 8;  // (a bound, not i + 8 <= n: GCC 12 then warns falsely on the tail loop)
  for (; i < n8; i += 8) {
    v4d a, b;
    std::memcpy(&a, p + i, sizeof a);
    std::memcpy(&b, p + i + 4, sizeof b);
    v4d da = a - k, db = b - k;
    s1a += da;
    s1b += db;
    s2a += da * da;
    s2b += db * db;
    loa = a < loa ? a : loa;
    lob = b < lob ? b : lob;
    hia = a > hia ? a : hia;
    hib = b > hib ? b : hib;
    za -= (a == zero);  // a comparison gives -1 per true lane
    zb -= (b == zero);
  }
  v4d s1 = s1a + s1b, s2 = s2a + s2b;
  v4d lo = loa < lob ? loa : lob, hi = hia > hib ? hia : hib;
  v4l z = za + zb;
  r.s1 = (s1[0] + s1[1]) + (s1[2] + s1[3]);
  r.s2 = (s2[0] + s2[1]) + (s2[2] + s2[3]);
  r.lo = std::fmin(std::fmin(lo[0], lo[1]), std::fmin(lo[2], lo[3]));
  r.hi = std::fmax(std::fmax(hi[0], hi[1]), std::fmax(hi[2], hi[3]));
  r.zeros = static_cast<std::uint64_t>(z[0] + z[1] + z[2] + z[3]);
#else
  r.lo = r.hi = p[0];
  std::size_t i = 0;
#endif
  for (; i < n; ++i) {
    double d = p[i] - shift;
    r.s1 += d;
    r.s2 += d * d;
    r.lo = p[i] < r.lo ? p[i] : r.lo;
    r.hi = p[i] > r.hi ? p[i] : r.hi;
    r.zeros += p[i] == 0.0;
  }
  // A NaN or an infinity anywhere makes s1 NaN or infinite (x - shift keeps it, and so does every later add).
  r.finite = std::isfinite(r.s1) && std::isfinite(r.s2);
  return r;
}

#if MLPIPE_X86_DISPATCH
__attribute__((target("avx2"))) inline finite_scan_result finite_scan_avx2(const double* p, std::size_t n,
                                                                          double shift) noexcept {
  return finite_scan_body(p, n, shift);
}
#endif

/// The block's scan, with AVX2 when the processor has it (the library is built for the baseline instruction set).
inline finite_scan_result finite_scan(const double* p, std::size_t n, double shift) noexcept {
#if MLPIPE_X86_DISPATCH
  if (cpu_has_avx2()) return finite_scan_avx2(p, n, shift);
#endif
  return finite_scan_body(p, n, shift);
}

#undef MLPIPE_FINITE_SCAN_INLINE

}  // namespace mlpipe::detail
