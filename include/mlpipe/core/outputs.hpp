// mlpipe/core/outputs.hpp: stages with several outputs, and how a consumer's input picks one of them.
// Return a struct declared with MLPIPE_OUTPUTS(a, b) (or a std::tuple); a consumer gets the member of its type.
#pragma once

#include <cstddef>
#include <tuple>
#include <type_traits>

#include <boost/hana/at.hpp>
#include <boost/hana/second.hpp>

#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/stage.hpp>

/// Declares a stage's output struct as several outputs (ports), each member an artifact of its own:
///   struct tuned { hyperparameters best; model fitted; MLPIPE_OUTPUTS(best, fitted); };
#define MLPIPE_OUTPUTS(...)                    \
  using mlpipe_multiple_outputs = void;        \
  MLPIPE_PARAMETERS(__VA_ARGS__)

namespace mlpipe {

namespace detail {
template <class T>
struct is_tuple : std::false_type {};
template <class... Ts>
struct is_tuple<std::tuple<Ts...>> : std::true_type {};
}  // namespace detail

/// True when a stage output is several outputs rather than one.
template <class Out>
concept multiple_outputs = detail::is_tuple<Out>::value || requires { typename Out::mlpipe_multiple_outputs; };

namespace detail {
template <class Out>
struct output_members {
  using types = type_list<Out>;
};
template <class... Ts>
struct output_members<std::tuple<Ts...>> {
  using types = type_list<Ts...>;
};
template <class Out>
  requires requires { typename Out::mlpipe_multiple_outputs; }
struct output_members<Out> {
 private:
  template <std::size_t... Is>
  static auto members(std::index_sequence<Is...>)
      -> type_list<std::remove_cvref_t<decltype(boost::hana::second(
          boost::hana::at_c<Is>(boost::hana::accessors<Out>()))(std::declval<Out&>()))>...>;

 public:
  using types = decltype(members(std::make_index_sequence<parameter_count<Out>()>{}));
};

/// The I-th output of a (possibly multiple) output value.
template <std::size_t I, class Out>
const auto& output_member(const Out& out) {
  if constexpr (!multiple_outputs<Out>)
    return out;
  else if constexpr (is_tuple<Out>::value)
    return std::get<I>(out);
  else
    return boost::hana::second(boost::hana::at_c<I>(boost::hana::accessors<Out>()))(out);
}

template <class In, class List>
struct count_type;
template <class In, class... Ts>
struct count_type<In, type_list<Ts...>> {
  static constexpr std::size_t value = (std::size_t{std::is_same_v<In, Ts>} + ... + 0);
  static constexpr std::size_t first_index() {
    std::size_t i = 0;
    (void)((!std::is_same_v<In, Ts> && (++i, true)) && ...);  // stops at the first match
    return i;
  }
};

/// An input type that declares `using mlpipe_accepts_convertible = void;` (a type-erased holder such as
/// any_model) takes any producer output convertible to it.
template <class Out, class In>
concept converting_port = !std::is_same_v<Out, In> && requires { typename In::mlpipe_accepts_convertible; } &&
                          std::is_convertible_v<const Out&, In>;

/// How a consumer whose input type is In reads a producer whose output is Out:
/// the whole value when the types are equal (or In takes Out by conversion), else the one member of type In.
template <class Out, class In>
struct port_selection {
  static constexpr bool converts = converting_port<Out, In>;
  static constexpr bool whole = std::is_same_v<Out, In> || converts;
  using members = typename output_members<Out>::types;
  static constexpr bool by_member = !whole && multiple_outputs<Out> && count_type<In, members>::value == 1;
  static constexpr bool ambiguous = !whole && multiple_outputs<Out> && count_type<In, members>::value > 1;
  static constexpr bool valid = whole || by_member;
  static constexpr std::size_t member = count_type<In, members>::first_index();
};

template <class In, class Out>
decltype(auto) select_port(const Out& out) {
  using sel = port_selection<Out, In>;
  if constexpr (sel::converts)
    return In(out);
  else if constexpr (sel::whole)
    return static_cast<const In&>(out);
  else
    return output_member<sel::member>(out);
}
}  // namespace detail

}  // namespace mlpipe
