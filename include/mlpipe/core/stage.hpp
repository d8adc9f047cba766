// mlpipe/core/stage.hpp: the `stage` concept and what is deduced from a stage's call operator.
// `Out operator()(const In1&, const In2&, context&)`: inputs, output and whether it takes a context.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/flat_tuple.hpp>
#include <mlpipe/core/inputs.hpp>

namespace mlpipe {

namespace detail {
template <class... Ts>
struct type_list {
  static constexpr std::size_t size = sizeof...(Ts);
};

template <std::size_t I, class List>
struct at;
template <std::size_t I, class... Ts>
struct at<I, type_list<Ts...>> {
  using type = type_at<I, Ts...>;
};

template <class List>
struct drop_last_context;  // removes a trailing context& from a parameter list
template <>
struct drop_last_context<type_list<>> {
  using type = type_list<>;
  static constexpr bool had_context = false;
};
template <class... Ts>
struct drop_last_context<type_list<Ts...>> {
 private:
  using last = type_at<sizeof...(Ts) - 1, Ts...>;
  template <std::size_t... Is>
  static auto firsts(std::index_sequence<Is...>) -> type_list<type_at<Is, Ts...>...>;

 public:
  static constexpr bool had_context = std::is_same_v<last, context&>;
  using type = std::conditional_t<had_context, decltype(firsts(std::make_index_sequence<sizeof...(Ts) - 1>{})),
                                  type_list<Ts...>>;
};

template <class F>
struct call_signature;
#define MLPIPE_DETAIL_SIGNATURE(QUALS)                            \
  template <class C, class R, class... A>                         \
  struct call_signature<R (C::*)(A...) QUALS> {                   \
    using result = R;                                             \
    using params = type_list<A...>;                               \
  };
MLPIPE_DETAIL_SIGNATURE()
MLPIPE_DETAIL_SIGNATURE(const)
MLPIPE_DETAIL_SIGNATURE(noexcept)
MLPIPE_DETAIL_SIGNATURE(const noexcept)
MLPIPE_DETAIL_SIGNATURE(&)
MLPIPE_DETAIL_SIGNATURE(const&)
#undef MLPIPE_DETAIL_SIGNATURE

template <class S>
concept has_one_call_operator = requires { &S::operator(); };

template <class List>
struct all_inputs_readonly;
template <class... Ts>
struct all_inputs_readonly<type_list<Ts...>> {
  // An input is taken by value or by const reference: a stage never changes its producer's artifact.
  static constexpr bool value =
      ((!std::is_reference_v<Ts> || std::is_const_v<std::remove_reference_t<Ts>>) && ...);
};

template <class List>
struct decayed;
template <class... Ts>
struct decayed<type_list<Ts...>> {
  using type = type_list<std::remove_cvref_t<Ts>...>;
};
}  // namespace detail

/// A stage: a class with exactly one (non-template) call operator taking its inputs by value or const
/// reference, optionally followed by `context&`, and returning its output (not void).
template <class S>
concept stage = std::is_class_v<S> && std::copy_constructible<S> && detail::has_one_call_operator<S> &&
                !std::is_void_v<typename detail::call_signature<decltype(&S::operator())>::result> &&
                detail::all_inputs_readonly<typename detail::drop_last_context<
                    typename detail::call_signature<decltype(&S::operator())>::params>::type>::value;

/// What is deduced from a stage's call operator.
template <stage S>
struct stage_traits {
 private:
  using sig = detail::call_signature<decltype(&S::operator())>;
  using split = detail::drop_last_context<typename sig::params>;

 public:
  using output = std::remove_cvref_t<typename sig::result>;
  using inputs = typename detail::decayed<typename split::type>::type;  // detail::type_list<In...>
  static constexpr std::size_t arity = inputs::size;
  static constexpr bool takes_context = split::had_context;
  template <std::size_t I>
  using input = typename detail::at<I, inputs>::type;
  /// What a producer must give input I: T for optional_input<T>, else the input's type.
  template <std::size_t I>
  using port_type = typename detail::optional_input_of<input<I>>::type;
  /// Which inputs are optional_input<T>.
  static constexpr auto optional = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<bool, arity>{detail::optional_input_of<input<Is>>::optional...};
  }(std::make_index_sequence<arity>{});
  /// How many inputs from<...> must list: up to and including the last required one.
  static constexpr std::size_t required = [] {
    std::size_t r = 0;
    for (std::size_t i = 0; i < arity; ++i)
      if (!optional[i]) r = i + 1;
    return r;
  }();
  /// The names the stage declares with MLPIPE_INPUTS (an empty array when it declares none).
  static constexpr auto declared_names = detail::declared_input_names<S>();
};

namespace detail {
template <class T>
constexpr std::string_view type_name_of() {
#if defined(__clang__) || defined(__GNUC__)
  std::string_view p = __PRETTY_FUNCTION__;
#if defined(__clang__)
  auto b = p.find("T = ") + 4;
  auto e = p.rfind(']');
#else
  auto b = p.find("T = ") + 4;
  auto e = p.find(';', b);
  if (e == std::string_view::npos) e = p.rfind(']');
#endif
  return p.substr(b, e - b);
#else
  return "stage";
#endif
}
}  // namespace detail

/// A stage's stable type name, for metadata and cache keys: `S::name` when it declares one
/// (`static constexpr std::string_view name = "statistics";`), otherwise its C++ type name.
template <class S>
constexpr std::string_view stage_name() {
  if constexpr (requires { std::string_view{S::name}; })
    return std::string_view{S::name};
  else
    return detail::type_name_of<S>();
}

/// A stage's version (`static constexpr int version = 2;`), 0 when it declares none. Bump it when the same
/// inputs and parameters would now give different outputs: the cache then runs the stage again.
template <class S>
constexpr int stage_version() {
  if constexpr (requires { int{S::version}; })
    return S::version;
  else
    return 0;
}

}  // namespace mlpipe
