// Builds pipelines of many generated nodes ("n00", "n01", ...) for the benchmarks.
#pragma once
#include <mlpipe/core/name.hpp>
#include <utility>

namespace bench {
/// "nXY" for I < 100, "nXYZ" otherwise.
template <std::size_t I>
constexpr auto node_name() {
  if constexpr (I < 100) {
    mlpipe::fixed_string<4> s("n00");
    s.data[1] = static_cast<char>('0' + I / 10);
    s.data[2] = static_cast<char>('0' + I % 10);
    return s;
  } else {
    mlpipe::fixed_string<5> s("n000");
    s.data[1] = static_cast<char>('0' + I / 100);
    s.data[2] = static_cast<char>('0' + I / 10 % 10);
    s.data[3] = static_cast<char>('0' + I % 10);
    return s;
  }
}
}  // namespace bench
