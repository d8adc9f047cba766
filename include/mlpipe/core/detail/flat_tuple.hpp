// mlpipe/core/detail/flat_tuple.hpp: a tuple whose elements are direct bases, one leaf per index, and the I-th
// type of a pack. std::tuple nests one level per element, which costs time quadratic in a 100-node pipeline.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace mlpipe::detail {

template <std::size_t I, class T>
struct tuple_leaf {
  T value;
};

template <class Seq, class... Ts>
struct flat_tuple_base;
template <std::size_t... Is, class... Ts>
struct flat_tuple_base<std::index_sequence<Is...>, Ts...> : tuple_leaf<Is, Ts>... {
  constexpr flat_tuple_base() = default;
  template <class... Us>
  constexpr explicit flat_tuple_base(std::in_place_t, Us&&... us) : tuple_leaf<Is, Ts>{std::forward<Us>(us)}... {}
};

/// Elements reached with tuple_get<I>(t): overload resolution picks the one base tuple_leaf<I, T>.
template <class... Ts>
struct flat_tuple : flat_tuple_base<std::index_sequence_for<Ts...>, Ts...> {
  using flat_tuple_base<std::index_sequence_for<Ts...>, Ts...>::flat_tuple_base;
};

template <std::size_t I, class T>
constexpr T& tuple_get(tuple_leaf<I, T>& leaf) noexcept {
  return leaf.value;
}
template <std::size_t I, class T>
constexpr const T& tuple_get(const tuple_leaf<I, T>& leaf) noexcept {
  return leaf.value;
}

#if defined(__has_builtin)
#if __has_builtin(__type_pack_element)
#define MLPIPE_HAS_TYPE_PACK_ELEMENT 1
#endif
#endif

#ifdef MLPIPE_HAS_TYPE_PACK_ELEMENT
template <std::size_t I, class... Ts>
using type_at = __type_pack_element<I, Ts...>;
#else
template <std::size_t I, class T>
struct index_leaf {};
template <class Seq, class... Ts>
struct type_index;
template <std::size_t... Is, class... Ts>
struct type_index<std::index_sequence<Is...>, Ts...> : index_leaf<Is, Ts>... {};
template <std::size_t I, class T>
std::type_identity<T> pick_type(const index_leaf<I, T>*);
/// The I-th of Ts (one class with a base per element, then one overload resolution; no recursion).
template <std::size_t I, class... Ts>
using type_at = typename decltype(pick_type<I>(
    static_cast<const type_index<std::index_sequence_for<Ts...>, Ts...>*>(nullptr)))::type;
#endif

}  // namespace mlpipe::detail
