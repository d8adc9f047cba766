// mlpipe/data/detail/cpu.hpp: what the processor running the program offers, for the few kernels that pick a
// faster instruction set at run time (the library itself is compiled for the baseline x86-64).
#pragma once

namespace mlpipe::detail {

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__AVX2__)
#define MLPIPE_X86_DISPATCH 1
/// True when the processor has AVX2 (and so SSSE3 / SSE4.1), checked once.
inline bool cpu_has_avx2() noexcept {
  static const bool yes = __builtin_cpu_supports("avx2");
  return yes;
}
#else
#define MLPIPE_X86_DISPATCH 0
inline bool cpu_has_avx2() noexcept { return false; }
#endif

}  // namespace mlpipe::detail
