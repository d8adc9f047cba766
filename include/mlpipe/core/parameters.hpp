// mlpipe/core/parameters.hpp: a stage's parameters, reflected: visited by name, written to JSON, fingerprinted,
// and set from text (`--set node.param=value`). Declare them with MLPIPE_PARAMETERS(...) inside the struct.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <boost/hana/accessors.hpp>
#include <boost/hana/at.hpp>
#include <boost/hana/first.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/string.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/preprocessor/punctuation/comma_if.hpp>
#include <boost/preprocessor/seq/for_each_i.hpp>
#include <boost/preprocessor/stringize.hpp>
#include <boost/preprocessor/seq/for_each.hpp>
#include <boost/preprocessor/variadic/size.hpp>
#include <boost/preprocessor/variadic/to_seq.hpp>
#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_text.hpp>
#include <mlpipe/core/json_value.hpp>

/// Declares a stage's parameters for reflection, inside the struct body, after the members:
///   struct train { double l2 = 1e-4; int epochs = 10; MLPIPE_PARAMETERS(l2, epochs); };
/// Members keep their default initializers and the struct stays an aggregate (designated initializers work).
/// It is Boost.Hana's own intrusive hook, so the struct is a hana::Struct; BOOST_HANA_ADAPT_STRUCT works too.
#define MLPIPE_PARAMETERS(...)                                                                     \
  struct hana_accessors_impl { /* a template: instantiated only where hana reads it (outputs) */   \
    template <class = void>                                                                        \
    static constexpr auto apply() {                                                                \
      return ::boost::hana::make_tuple(                                                            \
          BOOST_PP_SEQ_FOR_EACH_I(MLPIPE_DETAIL_ACCESSOR, ~, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))); \
    }                                                                                              \
  };                                                                                               \
  struct mlpipe_parameters_impl {                                                                  \
    static constexpr auto visitor() {                                                              \
      return [](auto& self, auto& f) {                                                             \
        BOOST_PP_SEQ_FOR_EACH(MLPIPE_DETAIL_VISIT, ~, BOOST_PP_VARIADIC_TO_SEQ(__VA_ARGS__))       \
      };                                                                                           \
    }                                                                                              \
    static constexpr ::std::size_t count() { return BOOST_PP_VARIADIC_SIZE(__VA_ARGS__); }         \
  }

#define MLPIPE_DETAIL_ACCESSOR(r, data, i, member)                                                 \
  BOOST_PP_COMMA_IF(i)::boost::hana::make_pair(                                                    \
      ::mlpipe::detail::param_name<BOOST_PP_STRINGIZE(member)>{},                                   \
      [](auto&& s) -> decltype(auto) { return (static_cast<decltype(s)&&>(s).member); })

// The visitor for_each_parameter uses: one plain call per parameter (the hana tuple above, kept so that the
// struct stays a hana::Struct, costs several times as much to instantiate in every program).
#define MLPIPE_DETAIL_VISIT(r, data, member) f(::std::string_view(BOOST_PP_STRINGIZE(member)), self.member);

namespace mlpipe {

namespace detail {
template <std::size_t N>
struct param_literal {
  char value[N]{};
  constexpr param_literal(const char (&s)[N]) {
    for (std::size_t i = 0; i < N; ++i) value[i] = s[i];
  }
};
/// A parameter's name as a type (so the accessor tuple stays a literal type).
template <param_literal Name>
struct param_name {
  static constexpr std::string_view view() { return {Name.value, sizeof(Name.value) - 1}; }
};

template <class T>
concept hana_struct = boost::hana::Struct<T>::value;

template <class T>
constexpr std::string_view key_name(const T& key) {
  if constexpr (requires { T::view(); })
    return T::view();
  else
    return boost::hana::to<const char*>(key);  // a hana::string (BOOST_HANA_ADAPT_STRUCT)
}
}  // namespace detail

/// A type with declared parameters (MLPIPE_PARAMETERS or any hana::Struct).
template <class T>
concept reflected = detail::hana_struct<std::remove_cvref_t<T>>;

/// Calls f(name, value&) for each declared parameter, in declaration order. No parameters: no calls.
template <class S, class F>
constexpr void for_each_parameter(S&& stage, F&& f) {
  using T = std::remove_cvref_t<S>;
  if constexpr (requires { T::mlpipe_parameters_impl::visitor(); }) {
    T::mlpipe_parameters_impl::visitor()(stage, f);
  } else if constexpr (reflected<T>) {
    boost::hana::for_each(boost::hana::accessors<T>(), [&](auto pair) {
      f(detail::key_name(boost::hana::first(pair)), boost::hana::second(pair)(stage));
    });
  }
}

/// The number of declared parameters.
template <class T>
constexpr std::size_t parameter_count() {
  if constexpr (requires { T::mlpipe_parameters_impl::count(); })
    return T::mlpipe_parameters_impl::count();
  else if constexpr (reflected<T>)
    return decltype(boost::hana::length(boost::hana::accessors<T>()))::value;
  else
    return 0;
}

/// The error thrown when a parameter cannot be set from text.
class parameter_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {
template <class T>
struct is_vector : std::false_type {};
template <class T, class A>
struct is_vector<std::vector<T, A>> : std::true_type {};
template <class T>
struct is_string_map : std::false_type {};
template <class V, class C, class A>
struct is_string_map<std::map<std::string, V, C, A>> : std::is_default_constructible<V> {};

// A type of the library's (or a user's) may give its JSON form as two functions found by argument-dependent
// lookup, declared beside it and compiled where they are defined (libmlpipe for the library's), so that no
// program instantiates nlohmann's conversions for it:
//   void write_json_value(nlohmann::json& j, const T& v);
//   void read_json_value(const nlohmann::json& j, T& v, const std::string& where);  // throws parameter_error
template <class T>
concept json_hooked = requires(nlohmann::json& j, const nlohmann::json& cj, const T& v, T& out, const std::string& w) {
  write_json_value(j, v);
  read_json_value(cj, out, w);
};

// JSON goes through json_value.hpp's non-template functions: a pipeline program instantiates the loops over
// its stages' parameters, not nlohmann's value code. Only a parameter type with its own to_json/from_json (the
// last branch) uses nlohmann directly, in a program that includes <nlohmann/json.hpp> for that type anyway.
template <class T>
void to_json_value(nlohmann::json& j, const T& v);

template <class T>
void write_parameters(const T& s, nlohmann::json& out) {
  json_set_empty_object(out);
  for_each_parameter(s, [&](std::string_view name, const auto& value) { to_json_value(json_member(out, name), value); });
}

template <class T>
void to_json_value(nlohmann::json& j, const T& v) {
  if constexpr (json_hooked<T>)
    write_json_value(j, v);
  else if constexpr (reflected<T>)
    write_parameters(v, j);
  else if constexpr (std::is_same_v<T, bool>)
    json_set_bool(j, v);
  else if constexpr (std::is_same_v<T, std::string>)
    json_set_string(j, v);
  else if constexpr (std::is_same_v<T, std::filesystem::path>)
    json_set_string(j, v.generic_string());
  else if constexpr (std::is_enum_v<T>)
    to_json_value(j, static_cast<std::underlying_type_t<T>>(v));
  else if constexpr (std::is_integral_v<T> && std::is_signed_v<T>)
    json_set_int(j, v);
  else if constexpr (std::is_integral_v<T>)
    json_set_uint(j, v);
  else if constexpr (std::is_floating_point_v<T>)
    json_set_double(j, v);
  else if constexpr (is_vector<T>::value) {
    json_set_empty_array(j);
    for (const auto& e : v) to_json_value(json_append(j), e);
  } else if constexpr (is_string_map<T>::value) {
    json_set_empty_object(j);
    for (const auto& [key, value] : v) to_json_value(json_member(j, key), value);
  } else {
    static_assert(requires(dependent_json<T>& dj) { dj = v; },
                  "mlpipe: a stage parameter's type must be bool, a number, std::string, an enum, a vector or a "
                  "std::map<std::string, V> of those, a struct with MLPIPE_PARAMETERS, have write_json_value/"
                  "read_json_value (found by ADL), or have nlohmann-json to_json/from_json (then include "
                  "<nlohmann/json.hpp> before using it)");
    static_cast<dependent_json<T>&>(j) = v;
  }
}

template <class T>
std::string_view expected_kind() {
  if constexpr (std::is_same_v<T, bool>) return "a boolean (true or false)";
  else if constexpr (std::is_integral_v<T> && std::is_unsigned_v<T>) return "a non-negative integer";
  else if constexpr (std::is_integral_v<T> || std::is_enum_v<T>) return "an integer";
  else if constexpr (std::is_floating_point_v<T>) return "a number";
  else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) return "a string";
  else if constexpr (is_vector<T>::value) return "a list (JSON array)";
  else if constexpr (is_string_map<T>::value) return "an object (JSON) of names to values";
  else if constexpr (reflected<T>) return "an object (JSON) with the nested parameters";
  else return "a JSON value of the parameter's type";
}

/// "WHERE parameter 'NAME'", the prefix of a parameter's errors.
MLPIPE_DECL std::string parameter_where(std::string_view where, std::string_view name);
/// The error for a parameter the stage does not declare, listing those it does.
[[noreturn]] MLPIPE_DECL void throw_unknown_parameter(std::string_view where, std::string_view name,
                                                      const std::vector<std::string>& known);
/// The error for a JSON value of the wrong kind (not a template: one copy of the message code).
[[noreturn]] MLPIPE_DECL void throw_parameter_kind(const nlohmann::json& j, const std::string& where,
                                                   std::string_view expected);

// Strict conversion: no silent truncation of 2.5 into an int, no "1" into a bool.
template <class T>
void from_json_value(const nlohmann::json& j, T& out, const std::string& where) {
  auto fail = [&] { throw_parameter_kind(j, where, expected_kind<T>()); };
  const json_type type = json_type_of(j);
  const bool integer = type == json_type::integer || type == json_type::unsigned_integer;
  if constexpr (json_hooked<T>) {
    (void)fail, (void)integer;
    read_json_value(j, out, where);
  } else if constexpr (std::is_same_v<T, bool>) {
    if (type != json_type::boolean) fail();
    out = json_get_bool(j);
  } else if constexpr (std::is_integral_v<T>) {
    if (!integer) fail();
    if constexpr (std::is_unsigned_v<T>) {
      if (type == json_type::integer && json_get_int(j) < 0) fail();
      auto v = json_get_uint(j);
      if (v > std::numeric_limits<T>::max()) fail();
      out = static_cast<T>(v);
    } else {
      auto v = json_get_int(j);
      if (v < std::numeric_limits<T>::min() || v > std::numeric_limits<T>::max()) fail();
      out = static_cast<T>(v);
    }
  } else if constexpr (std::is_enum_v<T>) {
    if (!integer) fail();
    out = static_cast<T>(json_get_int(j));
  } else if constexpr (std::is_floating_point_v<T>) {
    if (!integer && type != json_type::floating) fail();
    out = static_cast<T>(json_get_double(j));
  } else if constexpr (std::is_same_v<T, std::string> || std::is_same_v<T, std::filesystem::path>) {
    if (type != json_type::string) fail();
    out = T(json_get_string(j));
  } else if constexpr (is_vector<T>::value) {
    if (type != json_type::array) fail();
    T v(json_size(j));
    for (std::size_t i = 0; i < v.size(); ++i)
      from_json_value(json_element(j, i), v[i], where + "[" + std::to_string(i) + "]");
    out = std::move(v);
  } else if constexpr (is_string_map<T>::value) {
    if (type != json_type::object) fail();
    T m;
    for (auto& entry : json_members(j))
      from_json_value(*entry.second, m[entry.first], where + "." + entry.first);
    out = std::move(m);
  } else if constexpr (reflected<T>) {
    if (type != json_type::object) fail();
    for (auto& entry : json_members(j)) {
      const std::string& key = entry.first;  // (no structured binding: clang 14 cannot capture one)
      const nlohmann::json* value = entry.second;
      bool found = false;
      for_each_parameter(out, [&](std::string_view name, auto& member) {
        if (name == key) {
          found = true;
          from_json_value(*value, member, where + "." + key);
        }
      });
      if (!found) throw parameter_error(where + " has no parameter '" + key + "'");
    }
  } else {
    const auto& dj = static_cast<const dependent_json<T>&>(j);
    try {
      out = dj.template get<T>();
    } catch (const typename dependent_json<T>::exception& e) {
      throw parameter_error(where + ": " + e.what());
    }
  }
}
}  // namespace detail

/// The stage's parameters as a JSON object {name: value}, in a canonical form (keys sorted by nlohmann).
/// (It returns nlohmann::json: a caller includes <nlohmann/json.hpp>.)
template <class S>
detail::dependent_json<S> parameters_to_json(const S& stage) {
  detail::dependent_json<S> j;
  detail::write_parameters(stage, j);
  return j;
}

/// A stable 64-bit fingerprint of the parameters: the hash of their canonical JSON text. nlohmann prints
/// numbers the same way everywhere (shortest round-trip), so it does not change across runs, compilers or machines.
template <class S>
std::uint64_t parameters_fingerprint(const S& stage) {
  detail::json_box j;
  detail::write_parameters(stage, *j);
  auto text = detail::json_dump(*j);
  return fingerprint_bytes(text.data(), text.size(), 0x706172616d73ULL);
}

/// Names of the declared parameters, in declaration order.
template <class S>
std::vector<std::string> parameter_names(const S& stage) {
  std::vector<std::string> names;
  for_each_parameter(stage, [&](std::string_view name, const auto&) { names.emplace_back(name); });
  return names;
}

/// Sets one parameter from JSON, type-checked. `where` prefixes error messages (e.g. "node 'model'").
template <class S>
void set_parameter(S& stage, std::string_view name, const nlohmann::json& value, std::string_view where = "stage") {
  bool found = false;
  for_each_parameter(stage, [&](std::string_view n, auto& member) {
    if (n == name) {
      found = true;
      detail::from_json_value(value, member, detail::parameter_where(where, name));
    }
  });
  if (!found) detail::throw_unknown_parameter(where, name, parameter_names(stage));
}

/// Sets one parameter from command-line text: JSON when it parses as JSON (1e-3, true, [1,2], "x"),
/// otherwise the text itself as a string (so `--set examples.pattern=data/*.csv` needs no quotes).
template <class S>
void set_parameter_from_text(S& stage, std::string_view name, std::string_view text, std::string_view where = "stage") {
  detail::json_box value;
  detail::json_from_text(text, *value);
  set_parameter(stage, name, *value, where);
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/parameters.ipp>
#endif
