// mlpipe/data/detail/parse_number.hpp: exact fast parsing of plain decimal numbers, std::from_chars otherwise.
// The fast path covers what CSV files mostly hold (up to 19 digits, exponent within +-22) and is exact there.
#pragma once

#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <system_error>

#include <mlpipe/data/detail/cpu.hpp>
#include <mlpipe/data/detail/csv_index.hpp>

#if MLPIPE_X86_DISPATCH
#include <immintrin.h>
#endif

namespace mlpipe::detail {

inline constexpr double exact_powers_of_ten[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                    1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                    1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

inline bool is_digit(char c) noexcept { return static_cast<unsigned char>(c - '0') < 10; }

inline std::uint64_t load_le64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  if constexpr (std::endian::native == std::endian::big) v = __builtin_bswap64(v);
  return v;
}

// Eight ASCII digits at once (the SWAR trick from fast_float / simdjson).
inline bool is_eight_digits(std::uint64_t v) noexcept {
  return (((v + 0x4646464646464646ULL) | (v - 0x3030303030303030ULL)) & 0x8080808080808080ULL) == 0;
}
inline std::uint32_t parse_eight_digits(std::uint64_t v) noexcept {
  const std::uint64_t mask = 0x000000FF000000FFULL, mul1 = 0x000F424000000064ULL,  // 100 + (1000000 << 32)
      mul2 = 0x0000271000000001ULL;                                                // 1 + (10000 << 32)
  v -= 0x3030303030303030ULL;
  v = (v * 10) + (v >> 8);
  v = (((v & mask) * mul1) + (((v >> 16) & mask) * mul2)) >> 32;
  return static_cast<std::uint32_t>(v);
}

/// Parses a plain decimal number at p ([+-]digits[.digits][(e|E)[+-]digits]) exactly. Returns false, leaving
/// p alone, when the text is not such a number or the result might not be exact (caller falls back).
/// Needs at least 8 readable bytes past the number's end (the reader pads its buffers).
inline bool parse_decimal_fast(const char*& p, double& out) noexcept {
  const char* s = p;
  bool neg = *s == '-';
  if (neg || *s == '+') ++s;
  const char* digits_begin = s;
  std::uint64_t m = 0;
  while (is_digit(*s)) {
    m = m * 10 + static_cast<std::uint64_t>(*s - '0');
    ++s;
  }
  std::ptrdiff_t int_digits = s - digits_begin;
  std::ptrdiff_t frac_digits = 0;
  if (*s == '.') {
    ++s;
    const char* f = s;
    if (int_digits <= 11) {  // room for 8 more digits within 19
      std::uint64_t v = load_le64(s);
      if (is_eight_digits(v)) {
        m = m * 100000000ULL + parse_eight_digits(v);
        s += 8;
      }
    }
    while (is_digit(*s)) {
      m = m * 10 + static_cast<std::uint64_t>(*s - '0');
      ++s;
    }
    frac_digits = s - f;
  }
  std::ptrdiff_t total = int_digits + frac_digits;
  if (total == 0 || total > 19) return false;  // no digits, or the mantissa may have overflowed
  std::int64_t e = -frac_digits;
  if ((*s | 0x20) == 'e') {
    const char* x = s + 1;
    bool eneg = *x == '-';
    if (eneg || *x == '+') ++x;
    if (!is_digit(*x)) return false;
    std::int64_t ev = 0;
    while (is_digit(*x)) {
      if (ev < 100000) ev = ev * 10 + (*x - '0');
      ++x;
    }
    e += eneg ? -ev : ev;
    s = x;
  }
  double d;
  if (m == 0) {
    d = 0.0;
  } else {
    if (m > (std::uint64_t{1} << 53) || e < -22 || e > 22) return false;
    d = static_cast<double>(m);  // exact: m <= 2^53
    d = e < 0 ? d / exact_powers_of_ten[-e] : d * exact_powers_of_ten[e];  // one correctly rounded operation
  }
  out = neg ? -d : d;
  p = s;
  return true;
}

/// High bit set in each byte of v that is not an ASCII digit (exact for the lowest such byte, all we use:
/// the bytes below it are digits, so no borrow or carry reaches it).
inline std::uint64_t nondigit_mask(std::uint64_t v) noexcept {
  return ((v + 0x4646464646464646ULL) | (v - 0x3030303030303030ULL)) & 0x8080808080808080ULL;
}

/// The value of the first n (1..8) digit bytes of v (first character in the low byte).
inline std::uint64_t parse_leading_digits(std::uint64_t v, unsigned n) noexcept {
  unsigned shift = 8 * (8 - n);  // move the digits to the top bytes, fill the low bytes with '0'
  std::uint64_t fill = shift ? 0x3030303030303030ULL >> (64 - shift) : 0;
  return parse_eight_digits(shift ? (v << shift) | fill : v);
}

/// Parses the field [b, e) as a plain decimal number ([-]digits[.digits], at most 8+8 digits), exactly and
/// without a loop, so the CPU overlaps consecutive fields. False sends the caller to the general path.
/// Needs 8 readable bytes past e.
inline bool parse_decimal_field(const char* b, const char* e, double& out) noexcept {
  bool neg = *b == '-';
  b += neg;
  std::uint64_t v = load_le64(b);
  std::uint64_t mk = nondigit_mask(v);
  unsigned n = mk ? static_cast<unsigned>(std::countr_zero(mk)) >> 3 : 8;
  std::uint64_t m = n ? parse_leading_digits(v, n) : 0;
  const char* s = b + n;
  double d;
  if (s == e) {
    if (n == 0 || n == 8) return false;  // empty, or maybe more than 8 digits
    d = static_cast<double>(m);
  } else {
    if (*s != '.' || n == 8) return false;
    ++s;
    auto k = static_cast<unsigned>(e - s);
    if (k > 8) return false;
    std::uint64_t f = load_le64(s);
    std::uint64_t fm = nondigit_mask(f);
    unsigned kk = fm ? static_cast<unsigned>(std::countr_zero(fm)) >> 3 : 8;
    if (kk != k || n + k == 0) return false;
    static constexpr std::uint64_t pow10[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    if (k) m = m * pow10[k] + parse_leading_digits(f, k);
    if (m > (std::uint64_t{1} << 53)) return false;
    d = static_cast<double>(m) / exact_powers_of_ten[k];  // exact operands, one correctly rounded division
  }
  // Set the sign bit without a branch: signs of random data would mispredict half the time.
  out = std::bit_cast<double>(std::bit_cast<std::uint64_t>(d) | (static_cast<std::uint64_t>(neg) << 63));
  return true;
}

/// The field parser of the portable fast path (SWAR on 8-byte words), and the separator index that goes with it.
struct swar_field_parser {
  static std::size_t index_separators(const char* b, std::size_t n, char delimiter, char quote,
                                      std::uint32_t* out) noexcept {
    return detail::index_separators(b, n, delimiter, quote, out);
  }
  bool operator()(const char* b, const char* e, double& out) const noexcept { return parse_decimal_field(b, e, out); }
};

#if MLPIPE_X86_DISPATCH
/// The same contract with SSSE3/SSE4.1 (called only when cpu_has_avx2()): [-]digits[.digits] of up to 16
/// characters after the sign, at least one digit, exactly. The field's 16 bytes are checked in one compare, the
/// dot is squeezed out and the digits right-aligned by one shuffle, and the 16 digits are combined by three
/// multiply-adds (as simdjson does), so a field costs about 25 instructions and no loop. Needs 16 readable bytes
/// from b. Its operator() is not always_inline on purpose: it is inlined where the caller also targets AVX2.
struct simd_field_parser {
  static std::size_t index_separators(const char* b, std::size_t n, char delimiter, char quote,
                                      std::uint32_t* out) noexcept {
    return detail::index_separators_avx2(b, n, delimiter, quote, out);
  }
  __attribute__((target("avx2"))) bool operator()(const char* b, const char* e, double& out) const noexcept {
    const bool neg = *b == '-';
    b += neg;
    const long len = e - b;
    if (len < 1 || len > 16) return false;
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(b));
    const __m128i d = _mm_sub_epi8(x, _mm_set1_epi8('0'));
    const unsigned inside = (1u << len) - 1;
    const auto digit = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d)));
    const unsigned dot = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(x, _mm_set1_epi8('.')))) & inside;
    // Every byte a digit but at most one dot, and at least one digit.
    if (((~digit & inside) != dot) | ((dot & (dot - 1)) != 0) | (len - (dot != 0) < 1)) return false;
    const int dp = dot ? std::countr_zero(dot) : 0;                     // the dot's place in the field
    const int t = dot ? 16 - static_cast<int>(len) + dp : -1;           // and once the field is right-aligned
    const __m128i iota = _mm_setr_epi8(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    __m128i ctl = _mm_add_epi8(iota, _mm_set1_epi8(static_cast<char>(len - 16)));            // right-align
    ctl = _mm_add_epi8(ctl, _mm_cmpgt_epi8(_mm_set1_epi8(static_cast<char>(t + 1)), iota));  // skip the dot
    const __m128i digits = _mm_shuffle_epi8(d, ctl);  // negative control bytes give 0: leading zeros
    const __m128i t1 = _mm_maddubs_epi16(digits, _mm_setr_epi8(10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1));
    const __m128i t2 = _mm_madd_epi16(t1, _mm_setr_epi16(100, 1, 100, 1, 100, 1, 100, 1));
    const __m128i t3 = _mm_packus_epi32(t2, t2);
    const __m128i t4 = _mm_madd_epi16(t3, _mm_setr_epi16(10000, 1, 10000, 1, 10000, 1, 10000, 1));
    const std::uint64_t high = static_cast<std::uint32_t>(_mm_cvtsi128_si32(t4));
    const std::uint64_t low = static_cast<std::uint32_t>(_mm_extract_epi32(t4, 1));
    const std::uint64_t m = high * 100000000ULL + low;
    if (m > (std::uint64_t{1} << 53)) return false;
    const int k = dot ? static_cast<int>(len) - 1 - dp : 0;  // decimals, at most 15
    // Both operands exact (m <= 2^53, 10^k <= 10^22): one correctly rounded division, as in the portable path.
    const double v = static_cast<double>(static_cast<std::int64_t>(m)) / exact_powers_of_ten[k];
    out = std::bit_cast<double>(std::bit_cast<std::uint64_t>(v) | (static_cast<std::uint64_t>(neg) << 63));
    return true;
  }
};
#endif

/// Outcome of parsing a whole field as a number.
enum class number_status { ok, not_a_number, out_of_range };

/// Parses all of `text` (surrounding spaces and tabs allowed) as a double: decimal, exponent, inf, nan.
inline number_status parse_number_text(std::string_view text, double& out) noexcept {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text.empty()) return number_status::not_a_number;
  if (text.size() <= 48) {  // fast path needs padding: copy short text into a zeroed buffer
    char buf[64] = {};
    std::memcpy(buf, text.data(), text.size());
    const char* p = buf;
    if (parse_decimal_fast(p, out) && p == buf + text.size()) return number_status::ok;
  }
  const char* b = text.data();
  const char* e = b + text.size();
  bool plus = *b == '+';
  if (plus) ++b;
  if (plus && b < e && (*b == '-' || *b == '+')) return number_status::not_a_number;
  auto r = std::from_chars(b, e, out, std::chars_format::general);
  if (r.ptr != e) return number_status::not_a_number;
  if (r.ec == std::errc::result_out_of_range) return number_status::out_of_range;
  if (r.ec != std::errc()) return number_status::not_a_number;
  return number_status::ok;
}

}  // namespace mlpipe::detail
