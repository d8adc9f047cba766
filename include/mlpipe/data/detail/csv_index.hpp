// mlpipe/data/detail/csv_index.hpp: finds the delimiters and line ends of CSV text up to its first quote.
// With the field boundaries known up front, fields parse independently and the CPU overlaps them.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#include <mlpipe/data/detail/cpu.hpp>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if MLPIPE_X86_DISPATCH
#include <immintrin.h>
#endif

namespace mlpipe::detail {

/// Population count without relying on the POPCNT instruction (not in baseline x86-64; the library call
/// std::popcount falls back to is slower than this).
inline std::size_t popcount64(std::uint64_t x) noexcept {
  x = x - ((x >> 1) & 0x5555555555555555ULL);
  x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0FULL;
  return static_cast<std::size_t>((x * 0x0101010101010101ULL) >> 56);
}

/// Writes base + the position of each set bit of m (`bits` of them) to o; returns bits. Eight at a time without
/// a data-dependent branch per bit (as simdjson does); writes past the last are overwritten later.
__attribute__((always_inline)) inline std::size_t emit_offsets(std::uint32_t* o, std::uint32_t base, std::uint64_t m,
                                                               std::size_t bits) noexcept {
  for (int t = 0; t < 8; ++t) {
    o[t] = base + static_cast<std::uint32_t>(std::countr_zero(m));
    m &= m - 1;
  }
  if (bits > 8) {
    for (int t = 8; t < 16; ++t) {
      o[t] = base + static_cast<std::uint32_t>(std::countr_zero(m));
      m &= m - 1;
    }
    for (std::size_t t = 16; m; ++t) {
      o[t] = base + static_cast<std::uint32_t>(std::countr_zero(m));
      m &= m - 1;
    }
  }
  return bits;
}

/// The scalar end of a stretch (and the whole of it without SSE2), from byte i on.
inline std::size_t index_separators_tail(const char* b, std::size_t i, std::size_t n, char delimiter, char quote,
                                         std::uint32_t* out, std::size_t count) noexcept {
  for (; i < n; ++i) {
    char c = b[i];
    if (c == quote) break;
    if (c == delimiter || c == '\n' || c == '\r') out[count++] = static_cast<std::uint32_t>(i);
  }
  return count;
}

/// Writes the offsets of every delimiter, '\n' and '\r' in [b, b+n) before the first `quote` byte to out, in
/// order; returns how many. `out` needs room for n + 16 entries (batches of eight are written unconditionally).
inline std::size_t index_separators(const char* b, std::size_t n, char delimiter, char quote,
                                    std::uint32_t* out) noexcept {
  std::size_t count = 0, i = 0;
#if defined(__SSE2__)
  const __m128i d = _mm_set1_epi8(delimiter), nl = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                qt = _mm_set1_epi8(quote);
  for (; i + 64 <= n; i += 64) {
    std::uint64_t m = 0, qm = 0;
    for (int q = 0; q < 4; ++q) {
      __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b + i + 16 * q));
      __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(x, d), _mm_cmpeq_epi8(x, nl)), _mm_cmpeq_epi8(x, cr));
      m |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(hit))) << (16 * q);
      qm |= static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, qt)))) << (16 * q);
    }
    if (qm) {  // keep what precedes the quote, and stop
      m &= (qm & -qm) - 1;
      n = i;
    }
    count += emit_offsets(out + count, static_cast<std::uint32_t>(i), m, popcount64(m));
  }
#endif
  return index_separators_tail(b, i, n, delimiter, quote, out, count);
}

#if MLPIPE_X86_DISPATCH
/// The same with AVX2 (32 bytes a compare) and the POPCNT/TZCNT instructions; call only when cpu_has_avx2().
__attribute__((target("avx2,popcnt,bmi"))) inline std::size_t index_separators_avx2(const char* b, std::size_t n,
                                                                                   char delimiter, char quote,
                                                                                   std::uint32_t* out) noexcept {
  std::size_t count = 0, i = 0;
  const __m256i d = _mm256_set1_epi8(delimiter), nl = _mm256_set1_epi8('\n'), cr = _mm256_set1_epi8('\r'),
                qt = _mm256_set1_epi8(quote);
  for (; i + 64 <= n; i += 64) {
    const __m256i x0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i));
    const __m256i x1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(b + i + 32));
    const __m256i h0 = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x0, d), _mm256_cmpeq_epi8(x0, nl)),
                                       _mm256_cmpeq_epi8(x0, cr));
    const __m256i h1 = _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x1, d), _mm256_cmpeq_epi8(x1, nl)),
                                       _mm256_cmpeq_epi8(x1, cr));
    std::uint64_t m = static_cast<std::uint32_t>(_mm256_movemask_epi8(h0)) |
                      static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(h1))) << 32;
    const std::uint64_t qm =
        static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x0, qt))) |
        static_cast<std::uint64_t>(static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x1, qt)))) << 32;
    if (qm) {  // keep what precedes the quote, and stop
      m &= (qm & -qm) - 1;
      n = i;
    }
    count += emit_offsets(out + count, static_cast<std::uint32_t>(i), m,
                          static_cast<std::size_t>(__builtin_popcountll(m)));
  }
  return index_separators_tail(b, i, n, delimiter, quote, out, count);
}
#endif

}  // namespace mlpipe::detail
