// mlpipe/data/detail/csv_index.hpp: finds the delimiters and line ends of CSV text up to its first quote.
// With the field boundaries known up front, fields parse independently and the CPU overlaps them.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
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
    auto bits = popcount64(m);
    std::uint32_t* o = out + count;
    auto base = static_cast<std::uint32_t>(i);
    // Eight at a time without a data-dependent branch per bit (as simdjson does); extra writes are overwritten.
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
    count += bits;
  }
#endif
  for (; i < n; ++i) {
    char c = b[i];
    if (c == quote) break;
    if (c == delimiter || c == '\n' || c == '\r') out[count++] = static_cast<std::uint32_t>(i);
  }
  return count;
}

}  // namespace mlpipe::detail
