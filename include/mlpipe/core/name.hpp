// mlpipe/core/name.hpp: compile-time names for nodes (`node<"model">`, `from<"examples">`).
// A name is a string literal used as a template argument; GCC and Clang 15+ print it as text in diagnostics.
#pragma once

#include <cstddef>
#include <string_view>

namespace mlpipe {

/// A string literal usable as a template argument: `node<"statistics">`.
template <std::size_t N>
struct fixed_string {
  char data[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
  }
  /// From a view of N - 1 characters (a name computed at compile time, e.g. a port's).
  constexpr explicit fixed_string(std::string_view s) {
    // Every element assigned (the terminator too): Clang then prints the name as text in diagnostics.
    for (std::size_t i = 0; i < N; ++i) data[i] = i + 1 < N && i < s.size() ? s[i] : '\0';
  }
  constexpr std::string_view view() const { return {data, N - 1}; }
  constexpr std::size_t size() const { return N - 1; }
};

}  // namespace mlpipe
