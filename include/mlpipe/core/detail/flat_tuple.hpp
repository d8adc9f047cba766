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

template <class Seq, class... Us>
struct ref_pack;
/// The constructor's arguments as references, so the elements can be built in the bases' (reverse) order.
template <std::size_t... Is, class... Us>
struct ref_pack<std::index_sequence<Is...>, Us...> : tuple_leaf<Is, Us&&>... {
  template <std::size_t K>
  using arg = type_at<K, Us...>;
  constexpr explicit ref_pack(Us&&... us) : tuple_leaf<Is, Us&&>{static_cast<Us&&>(us)}... {}
};

template <class Seq, class... Ts>
struct flat_tuple_base;
// The bases in reverse order (element 0 last in memory), as std::tuple lays them out: with the elements in
// increasing addresses GCC 12 pairs neighbouring nodes' loads and stores into vector moves, which made a chain
// of 64 one-multiply nodes 1.4x slower (bench_dag_overhead).
template <std::size_t... Rs, class... Ts>
struct flat_tuple_base<std::index_sequence<Rs...>, Ts...>
    : tuple_leaf<sizeof...(Ts) - 1 - Rs, type_at<sizeof...(Ts) - 1 - Rs, Ts...>>... {
  constexpr flat_tuple_base() = default;
  template <class... Us>
  constexpr explicit flat_tuple_base(std::in_place_t, Us&&... us)
      : flat_tuple_base(ref_pack<std::index_sequence_for<Us...>, Us...>(static_cast<Us&&>(us)...)) {}

 private:
  template <class Seq, class... Us>
  constexpr explicit flat_tuple_base(ref_pack<Seq, Us...>&& refs)
      : tuple_leaf<sizeof...(Ts) - 1 - Rs, type_at<sizeof...(Ts) - 1 - Rs, Ts...>>{
            static_cast<type_at<sizeof...(Ts) - 1 - Rs, Us...>&&>(tuple_get<sizeof...(Ts) - 1 - Rs>(refs))}... {}
};

/// Elements reached with tuple_get<I>(t): overload resolution picks the one base tuple_leaf<I, T>.
template <class... Ts>
struct flat_tuple : flat_tuple_base<std::index_sequence_for<Ts...>, Ts...> {
  using flat_tuple_base<std::index_sequence_for<Ts...>, Ts...>::flat_tuple_base;
};

}  // namespace mlpipe::detail
