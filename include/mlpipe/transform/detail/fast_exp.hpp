// mlpipe/transform/detail/fast_exp.hpp: a branch-free exp for x <= 0 and a bitwise select, so that the hot loops
// of training and prediction (sigmoid, softmax) vectorize without -ffast-math and give the same bits everywhere.
#pragma once

#include <bit>
#include <cstdint>

namespace mlpipe::detail {

/// a when z's sign bit is clear, else b: a select in integer bit operations, which vectorize (GCC leaves a
/// floating-point comparison as a branch, as it may trap on NaN).
[[gnu::always_inline]] inline double sign_select(double z, double a, double b) noexcept {
  const std::uint64_t mask = 0 - (std::bit_cast<std::uint64_t>(z) >> 63);
  return std::bit_cast<double>((std::bit_cast<std::uint64_t>(a) & ~mask) | (std::bit_cast<std::uint64_t>(b) & mask));
}

/// exp(x) for x <= 0, branch-free so that loops over it vectorize (libm's exp is a call per value): x = n ln2 + r
/// with |r| <= ln2/2, exp(r) by its Taylor polynomial of degree 12 (truncation below 2e-16 relative), times 2^n
/// built in the exponent bits. Within 2 ulp of exp; x below -708 gives exp(-708) (only ever added to 1).
[[gnu::always_inline]] inline double exp_nonpos(double x) noexcept {
  constexpr double log2e = 1.4426950408889634, ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
  x = sign_select(x + 708.0, x, -708.0);
  const double t = x * log2e + shifter;
  const double n = t - shifter;
  const double r = (x - n * ln2_hi) - n * ln2_lo;
  double p = 1.0 / 479001600.0;  // 1/12!
  p = p * r + 1.0 / 39916800.0;
  p = p * r + 1.0 / 3628800.0;
  p = p * r + 1.0 / 362880.0;
  p = p * r + 1.0 / 40320.0;
  p = p * r + 1.0 / 5040.0;
  p = p * r + 1.0 / 720.0;
  p = p * r + 1.0 / 120.0;
  p = p * r + 1.0 / 24.0;
  p = p * r + 1.0 / 6.0;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  // the low 12 bits of t's pattern are n mod 4096; n + 1023 in [1, 1023] is the biased exponent of 2^n
  const double scale = std::bit_cast<double>((std::bit_cast<std::uint64_t>(t) + 1023) << 52);
  return p * scale;
}

}  // namespace mlpipe::detail
