// mlpipe/core/detail/percent_decode.hpp: percent-decoding of a URL component, shared by the HTTP server
// (deploy/http.hpp's url_decode) and the web UI's router, which must read a path the same way.
#pragma once

#include <string>
#include <string_view>

namespace mlpipe::detail {

inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// '+' is a space in a query string only; a malformed escape ("%zz", a '%' at the end) is kept as it is.
inline std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_digit(s[i + 1]) >= 0 && hex_digit(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_digit(s[i + 1]) * 16 + hex_digit(s[i + 2]));
      i += 2;
    } else if (plus_is_space && s[i] == '+') {
      out += ' ';
    } else {
      out += s[i];
    }
  }
  return out;
}

}  // namespace mlpipe::detail
