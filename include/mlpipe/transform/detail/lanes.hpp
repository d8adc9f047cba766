// mlpipe/transform/detail/lanes.hpp: sums in four fixed lanes with two-double vectors, for the hot loops of
// fitting and training: vector code without -ffast-math, and the same sums on every target.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace mlpipe::detail {

/// Lane l takes the rows i = l mod 4 (the tail goes to lane 0); the lanes are added as (0 + 1) + (2 + 3).
/// GCC (and Clang) vector extensions: GCC would not reassociate a plain loop, and vectorizes lane arrays badly.
using v2d = double __attribute__((vector_size(16)));
using v2i = std::int64_t __attribute__((vector_size(16)));

[[gnu::always_inline]] inline v2d load2(const double* p) noexcept {
  v2d v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
[[gnu::always_inline]] inline double lanes_sum(v2d a, v2d b, double tail) noexcept { return ((a[0] + tail) + a[1]) + (b[0] + b[1]); }
/// Four-double vectors for the fused training kernel: one AVX2 register, or two SSE2 registers in a
/// plain x86-64 build. Lane for lane the same operations either way, so both builds give the same bits.
/// Functions of these types are always inlined (no four-double vector crosses a call: its ABI differs).
using v4d = double __attribute__((vector_size(32)));
using v4u = std::uint64_t __attribute__((vector_size(32)));

[[gnu::always_inline]] inline void store4(double* p, const v4d& v) noexcept { std::memcpy(p, &v, sizeof v); }
[[gnu::always_inline]] inline void load4(const double* p, v4d& v) noexcept { std::memcpy(&v, p, sizeof v); }
/// ((v0 + v1) + (v2 + v3)).
[[gnu::always_inline]] inline double lanes4_sum(const v4d& v) noexcept { return (v[0] + v[1]) + (v[2] + v[3]); }

/// v where it is a number, 0 where it is NaN.
inline v2d zero_nan(v2d v) noexcept { return (v2d)((v2i)v & (v == v)); }

/// Sum of g[i].
[[gnu::always_inline]] inline double lane_sum(const double* g, std::size_t m) noexcept {
  v2d a = {0, 0}, b = {0, 0};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) a += load2(g + i), b += load2(g + i + 2);
  double t = 0;
  for (; i < m; ++i) t += g[i];
  return lanes_sum(a, b, t);
}

/// Sum of the values that are not NaN, and their count.
struct present_sum_result {
  double sum = 0, count = 0;
};
inline present_sum_result present_sum(const double* x, std::size_t n) noexcept {
  const v2d one = {1, 1};
  v2d a = {0, 0}, b = {0, 0}, ca = {0, 0}, cb = {0, 0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v2d u = load2(x + i), w = load2(x + i + 2);
    a += zero_nan(u), b += zero_nan(w);
    ca += (v2d)((v2i)one & (u == u)), cb += (v2d)((v2i)one & (w == w));
  }
  double t = 0, tc = 0;
  for (; i < n; ++i)
    if (x[i] == x[i]) t += x[i], tc += 1;
  return {lanes_sum(a, b, t), lanes_sum(ca, cb, tc)};
}

/// Sum of (x - c)^2 over the values that are not NaN.
inline double present_squares(const double* x, std::size_t n, double c) noexcept {
  const v2d cc = {c, c};
  v2d a = {0, 0}, b = {0, 0};
  std::size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const v2d u = load2(x + i) - cc, w = load2(x + i + 2) - cc;
    a += zero_nan(u * u), b += zero_nan(w * w);
  }
  double t = 0;
  for (; i < n; ++i)
    if (x[i] == x[i]) t += (x[i] - c) * (x[i] - c);
  return lanes_sum(a, b, t);
}

/// Count, mean and sum of squared deviations of the values that are not NaN: two passes per block of 2048
/// values (the second from cache), blocks merged by Chan et al.'s update, so the data is read from memory
/// once and the result is as accurate as the two-pass formula.
struct present_moments_result {
  double count = 0, mean = 0, m2 = 0;
};
inline present_moments_result present_moments(const double* x, std::size_t n) noexcept {
  present_moments_result r;
  for (std::size_t b = 0; b < n; b += 2048) {
    const std::size_t m = n - b < 2048 ? n - b : 2048;
    const auto [s, c] = present_sum(x + b, m);
    if (c == 0) continue;
    const double mb = s / c, m2b = present_squares(x + b, m, mb), delta = mb - r.mean, total = r.count + c;
    r.mean += delta * (c / total);
    r.m2 += m2b + delta * delta * (r.count * c / total);
    r.count = total;
  }
  return r;
}

}  // namespace mlpipe::detail
