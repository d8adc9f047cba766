// mlpipe/core/name.hpp: compile-time names for nodes (`node<"model">`, `from<"examples">`).
// A name is a string literal used as a template argument; diagnostics print it as text.
#pragma once

#include <cstddef>
#include <string_view>
#include <utility>

namespace mlpipe {

/// A string literal usable as a template argument: `node<"statistics">`.
template <std::size_t N>
struct fixed_string {
  char data[N]{};
  constexpr fixed_string(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) data[i] = s[i];
  }
  constexpr std::string_view view() const { return {data, N - 1}; }
  constexpr std::size_t size() const { return N - 1; }
};

namespace detail {
/// The name as a pack of characters: Clang prints class-type template arguments as numbers, but
/// prints characters readably, so diagnostics that must name a node use this on Clang.
}  // namespace detail

namespace errors {
/// A node's name as diagnostics print it: `mlpipe::errors::node<"model">` (GCC) or
/// `mlpipe::errors::node_chars<'m', 'o', 'd', 'e', 'l'>` (Clang prints class-type arguments as numbers).
template <fixed_string S>
struct node {};
template <char... Cs>
struct node_chars {};
}  // namespace errors

namespace detail {
template <fixed_string S, std::size_t... Is>
constexpr auto as_node_chars(std::index_sequence<Is...>) -> errors::node_chars<S.data[Is]...>;
#if defined(__clang__)
template <fixed_string S>
using readable_name = decltype(as_node_chars<S>(std::make_index_sequence<S.size()>{}));
#else
template <fixed_string S>
using readable_name = errors::node<S>;
#endif
}  // namespace detail

}  // namespace mlpipe
