// mlpipe/core/fingerprint.hpp: a stable 64-bit content hash for artifacts, parameters and cache keys.
// The value depends only on the bytes fed (little-endian numbers), never on the run, compiler or machine.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

namespace mlpipe {

/// Streaming 64-bit hash. Bulk data goes 32 bytes a step (four independent multiply-mix lanes, so large
/// tables hash at several GB/s); the result does not depend on how the input was split into update() calls.
class hasher {
 public:
  explicit constexpr hasher(std::uint64_t seed = 0) noexcept { reset(seed); }

  constexpr void reset(std::uint64_t seed = 0) noexcept {
    lanes_[0] = seed + k1 + k2;
    lanes_[1] = seed + k2;
    lanes_[2] = seed;
    lanes_[3] = seed - k1;
    buffered_ = 0;
    total_ = 0;
    seed_ = seed;
  }

  void update(const void* data, std::size_t size) noexcept {
    auto p = static_cast<const unsigned char*>(data);
    total_ += size;
    if (buffered_ > 0) {
      std::size_t take = size < 32 - buffered_ ? size : 32 - buffered_;
      std::memcpy(buffer_ + buffered_, p, take);
      buffered_ += take;
      p += take;
      size -= take;
      if (buffered_ < 32) return;
      consume(buffer_);
      buffered_ = 0;
    }
    while (size >= 32) {
      consume(p);
      p += 32;
      size -= 32;
    }
    if (size > 0) {
      std::memcpy(buffer_, p, size);
      buffered_ = size;
    }
  }

  void update(std::string_view s) noexcept {
    update_value(static_cast<std::uint64_t>(s.size()));  // length prefix: ("ab","c") != ("a","bc")
    update(s.data(), s.size());
  }

  /// Arithmetic values are fed as their little-endian bytes; doubles as their bit pattern, with -0.0 == 0.0.
  template <class T>
    requires std::is_arithmetic_v<T> || std::is_enum_v<T>
  void update_value(T v) noexcept {
    if constexpr (std::is_floating_point_v<T>) {
      double d = static_cast<double>(v);
      if (d == 0.0) d = 0.0;
      update_value(std::bit_cast<std::uint64_t>(d));
    } else if constexpr (std::is_enum_v<T>) {
      update_value(static_cast<std::underlying_type_t<T>>(v));
    } else {
      auto u = static_cast<std::uint64_t>(static_cast<std::conditional_t<std::is_signed_v<T>, std::int64_t, std::uint64_t>>(v));
      unsigned char b[8];
      for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(u >> (8 * i));
      update(b, 8);
    }
  }

  std::uint64_t digest() const noexcept {
    std::uint64_t h;
    if (total_ >= 32)
      h = std::rotl(lanes_[0], 1) + std::rotl(lanes_[1], 7) + std::rotl(lanes_[2], 12) + std::rotl(lanes_[3], 18);
    else
      h = seed_ + k5;
    h += total_;
    std::size_t i = 0;
    for (; i + 8 <= buffered_; i += 8) h = std::rotl(h ^ round(0, load64(buffer_ + i)), 27) * k1 + k4;
    for (; i < buffered_; ++i) h = std::rotl(h ^ (buffer_[i] * k5), 11) * k1;
    h ^= h >> 33;
    h *= k2;
    h ^= h >> 29;
    h *= k3;
    h ^= h >> 32;
    return h;
  }

 private:
  static constexpr std::uint64_t k1 = 0x9E3779B185EBCA87ULL, k2 = 0xC2B2AE3D27D4EB4FULL,
                                 k3 = 0x165667B19E3779F9ULL, k4 = 0x85EBCA77C2B2AE63ULL,
                                 k5 = 0x27D4EB2F165667C5ULL;

  static std::uint64_t load64(const unsigned char* p) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
    return v;
  }
  static constexpr std::uint64_t round(std::uint64_t acc, std::uint64_t in) noexcept {
    acc += in * k2;
    acc = std::rotl(acc, 31);
    return acc * k1;
  }
  void consume(const unsigned char* p) noexcept {
    for (int l = 0; l < 4; ++l) lanes_[l] = round(lanes_[l], load64(p + 8 * l));
  }

  std::uint64_t lanes_[4]{};
  unsigned char buffer_[32]{};
  std::size_t buffered_ = 0;
  std::uint64_t total_ = 0;
  std::uint64_t seed_ = 0;
};

/// One-shot hash of bytes.
inline std::uint64_t fingerprint_bytes(const void* data, std::size_t size, std::uint64_t seed = 0) noexcept {
  hasher h(seed);
  h.update(data, size);
  return h.digest();
}

/// Combines fingerprints in order (for cache keys: stage, parameters, inputs).
inline std::uint64_t combine_fingerprints(std::span<const std::uint64_t> parts) noexcept {
  hasher h(0x6d6c70697065ULL);
  for (auto p : parts) h.update_value(p);
  return h.digest();
}

/// Fingerprints as fixed-width lowercase hex, as they appear in metadata and on disk.
inline std::string fingerprint_hex(std::uint64_t f) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, f >>= 4) s[static_cast<std::size_t>(i)] = digits[f & 0xF];
  return s;
}

}  // namespace mlpipe
