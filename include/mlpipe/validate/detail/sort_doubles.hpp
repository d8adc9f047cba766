// mlpipe/validate/detail/sort_doubles.hpp: sorts a buffer of finite doubles by an LSD radix sort on their bits,
// about 3x faster than std::sort for the few-thousand-item batches the quantile sketch compacts.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace mlpipe::detail {

/// Order-preserving map of a double's bits to an unsigned key (negative values: all bits flipped; others: the
/// sign bit set), so that unsigned order is numeric order (-0.0 sorts just before +0.0; no NaN expected).
inline std::uint64_t double_key(double d) noexcept {
  std::uint64_t b;
  std::memcpy(&b, &d, sizeof b);
  return b ^ (static_cast<std::uint64_t>(static_cast<std::int64_t>(b) >> 63) | 0x8000000000000000ULL);
}
inline double key_double(std::uint64_t k) noexcept {
  std::uint64_t b = (k & 0x8000000000000000ULL) ? (k ^ 0x8000000000000000ULL) : ~k;
  double d;
  std::memcpy(&d, &b, sizeof d);
  return d;
}

/// Sorts `v` ascending (the same order as std::sort with <). Byte digits whose value is the same in every key
/// are skipped, so integer-valued or narrow-range data takes fewer passes. `scratch` is reused between calls.
inline void sort_doubles(double* v, std::size_t n, std::vector<std::uint64_t>& scratch) {
  if (n < 192) {  // below this the 8 histograms cost more than the comparisons
    std::sort(v, v + n);
    return;
  }
  constexpr int digits = 8;
  std::uint32_t hist[digits][256] = {};
  scratch.resize(2 * n);
  std::uint64_t* src = scratch.data();
  std::uint64_t* dst = src + n;
  for (std::size_t i = 0; i < n; ++i) {
    std::uint64_t k = double_key(v[i]);
    src[i] = k;
    for (int d = 0; d < digits; ++d) ++hist[d][(k >> (8 * d)) & 255];
  }
  for (int d = 0; d < digits; ++d) {
    auto& h = hist[d];
    if (h[(src[0] >> (8 * d)) & 255] == n) continue;  // every key has this digit: the pass would change nothing
    std::uint32_t sum = 0;
    for (auto& c : h) {
      std::uint32_t t = c;
      c = sum;
      sum += t;
    }
    for (std::size_t i = 0; i < n; ++i) {
      std::uint64_t k = src[i];
      dst[h[(k >> (8 * d)) & 255]++] = k;
    }
    std::swap(src, dst);
  }
  for (std::size_t i = 0; i < n; ++i) v[i] = key_double(src[i]);
}

}  // namespace mlpipe::detail
