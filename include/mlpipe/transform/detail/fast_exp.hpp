// mlpipe/transform/detail/fast_exp.hpp: a branch-free exp for x <= 0 and a bitwise select, so that the hot loops
// of training and prediction (sigmoid, softmax) vectorize without -ffast-math and give the same bits everywhere.
#pragma once

#include <bit>
#include <cstdint>
#include <type_traits>

#include <mlpipe/transform/detail/lanes.hpp>

namespace mlpipe::detail {

template <class V>
struct bits_of {
  using type = std::uint64_t;
};
template <>
struct bits_of<v4d> {
  using type = v4u;
};

/// Which instructions a kernel's build may use: a template argument, so that one source gives the plain x86-64
/// build and the AVX2 one (see data/detail/cpu.hpp for the run-time choice).
struct isa_baseline {};
struct isa_avx2 {};

/// out = a where z's sign bit is clear, else b, for a double or lane by lane of a v4d. Baseline: a select in
/// integer bit operations (shift, subtract, and, and-not, or), which vectorize on SSE2 (the compiler leaves a
/// comparison of doubles as a branch, as it may trap on NaN, and a v4d comparison without AVX element by
/// element). AVX2: a compare and a blend. Both give the same bits.
template <class Isa = isa_baseline, class V>
[[gnu::always_inline]] inline void select_by_sign(const V& z, const V& a, const V& b, V& out) noexcept {
  using U = typename bits_of<V>::type;
  if constexpr (std::is_same_v<Isa, isa_avx2> && std::is_same_v<V, v4d>) {
    using I = std::int64_t __attribute__((vector_size(32)));
    out = __builtin_bit_cast(I, z) < 0 ? b : a;
  } else {
    const U mask = U{} - (__builtin_bit_cast(U, z) >> 63);
    out = __builtin_bit_cast(V, (__builtin_bit_cast(U, a) & ~mask) | (__builtin_bit_cast(U, b) & mask));
  }
}

/// -|z|, by setting the sign bit.
template <class V>
[[gnu::always_inline]] inline void negative_abs(const V& z, V& out) noexcept {
  using U = typename bits_of<V>::type;
  out = __builtin_bit_cast(V, __builtin_bit_cast(U, z) | std::uint64_t{1} << 63);
}

/// exp(x[u]) for x <= 0 and u < N, of doubles or lane by lane of v4d: x = n ln2 + r with |r| <= ln2/2, exp(r) by
/// its Taylor polynomial of degree 12 (truncation below 2e-16 relative), times 2^n built in the exponent bits.
/// Within 3 ulp of exp (tested); x below -708 gives exp(-708) (only ever added to 1). Branch-free, so loops over
/// it vectorize (libm's exp is a call per value). The polynomial is evaluated in Estrin's scheme (pairs, then
/// pairs of pairs with r^2, r^4, r^8): 4 dependent multiply-adds deep instead of Horner's 12, and the N values
/// go step by step together, so that the arithmetic of many rows overlaps. Each value's result does not
/// depend on N.
template <std::size_t N, class Isa = isa_baseline, class V>
[[gnu::always_inline]] inline void exp_nonpos_n(const V* xin, V* out) noexcept {
  using U = typename bits_of<V>::type;
  constexpr double log2e = 1.4426950408889634, ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
  constexpr double shifter = 0x1.8p52;  // adding it rounds to an integer held in the low mantissa bits
  constexpr double a[13] = {1.0,           1.0,           0.5,           1.0 / 6.0,      1.0 / 24.0,
                            1.0 / 120.0,   1.0 / 720.0,   1.0 / 5040.0,  1.0 / 40320.0,  1.0 / 362880.0,
                            1.0 / 3628800.0, 1.0 / 39916800.0, 1.0 / 479001600.0};  // 1/k!
#pragma GCC unroll 4
  for (std::size_t u = 0; u < N; ++u) {
    V x;
    select_by_sign<Isa>(V(xin[u] + 708.0), xin[u], V(V{} - 708.0), x);
    const V t = x * log2e + shifter;
    const V n = t - shifter;
    const V r = (x - n * ln2_hi) - n * ln2_lo;
    const V r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    const V q0 = a[0] + a[1] * r, q1 = a[2] + a[3] * r, q2 = a[4] + a[5] * r, q3 = a[6] + a[7] * r,
            q4 = a[8] + a[9] * r, q5 = a[10] + a[11] * r;
    const V s0 = q0 + q1 * r2, s1 = q2 + q3 * r2, s2 = q4 + q5 * r2;
    const V u0 = s0 + s1 * r4, u1 = s2 + a[12] * r4;
    const V p = u0 + u1 * r8;
    // the low 12 bits of t's pattern are n mod 4096; n + 1023 in [1, 1023] is the biased exponent of 2^n
    out[u] = p * __builtin_bit_cast(V, (__builtin_bit_cast(U, t) + 1023) << 52);
  }
}

/// exp(x) for x <= 0 (see exp_nonpos_n).
[[gnu::always_inline]] inline double exp_nonpos(double x) noexcept {
  double r;
  exp_nonpos_n<1>(&x, &r);
  return r;
}

/// The logistic function 1 / (1 + exp(-z)) of a double or lane by lane of a v4d, with e = exp(-|z|) given
/// (1 / (1 + e) for z >= 0, e / (1 + e) below): one exp and one division, no overflow.
template <class Isa = isa_baseline, class V>
[[gnu::always_inline]] inline void sigmoid_from_exp(const V& z, const V& e, V& out) noexcept {
  V num;
  select_by_sign<Isa>(z, V(V{} + 1.0), e, num);
  out = num / (1.0 + e);
}

}  // namespace mlpipe::detail
