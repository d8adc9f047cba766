// mlpipe/core/inputs.hpp: a stage's named input ports, `MLPIPE_INPUTS(model, examples, baseline)`, and optional
// ones, `optional_input<model>`: filled when from<...> wires a producer (or the store resolves one), else empty.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <mlpipe/core/name.hpp>

/// Names a stage's inputs (its call operator's parameters before `context&`), in order:
///   struct evaluate { MLPIPE_INPUTS(model, examples, baseline); evaluation operator()(...) const; };
/// The names are what `--run-node --input PORT=DIR`, exported engine files and the store's INPUT events use.
#define MLPIPE_INPUTS(...) static constexpr std::string_view mlpipe_input_names = #__VA_ARGS__

namespace mlpipe {

/// An input a node may leave unwired: `optional_input<model> baseline`. It refers to the producer's value (no
/// copy) when from<...> wires one or the run resolves one from the store, and is empty otherwise. When the
/// input converts the producer's output (a `model` into `any_model`), it holds the converted value.
template <class T>
class optional_input {
 public:
  using value_type = T;
  constexpr optional_input() noexcept = default;
  constexpr explicit optional_input(const T* value) noexcept : value_(value) {}
  /// Holds a value converted from the producer's output, for the call.
  optional_input(std::in_place_t, T&& converted)
      : owned_(std::make_shared<const T>(std::move(converted))), value_(owned_.get()) {}

  constexpr bool has_value() const noexcept { return value_ != nullptr; }
  constexpr explicit operator bool() const noexcept { return value_ != nullptr; }
  constexpr const T& operator*() const noexcept { return *value_; }
  constexpr const T* operator->() const noexcept { return value_; }
  const T& value() const {
    if (!value_) throw std::logic_error("mlpipe::optional_input: the input is empty (nothing was wired to it)");
    return *value_;
  }
  /// The value's address, or nullptr when empty.
  constexpr const T* get() const noexcept { return value_; }

 private:
  std::shared_ptr<const T> owned_;  // only for a converted value: copies share it, so value_ stays valid
  const T* value_ = nullptr;
};

/// In from<...>, leaves an optional input unwired: `from<"model", mlpipe::none, "examples">`. Trailing optional
/// inputs may simply be left out.
inline constexpr fixed_string<1> none{""};

namespace detail {
template <class T>
struct optional_input_of {
  static constexpr bool optional = false;
  using type = T;
};
template <class T>
struct optional_input_of<optional_input<T>> {
  static constexpr bool optional = true;
  using type = T;
};

/// How many names `MLPIPE_INPUTS(a, b, c)` gives (its text is "a, b, c").
constexpr std::size_t count_input_names(std::string_view text) {
  if (text.empty()) return 0;
  std::size_t n = 1;
  for (char c : text) n += c == ',';
  return n;
}

/// The names of `MLPIPE_INPUTS(a, b, c)`, each a view into the macro's text.
template <std::size_t N>
constexpr std::array<std::string_view, N> split_input_names(std::string_view text) {
  std::array<std::string_view, N> r{};
  std::size_t i = 0, begin = 0;
  auto trim = [](std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\n' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\n' || s.back() == '\t')) s.remove_suffix(1);
    return s;
  };
  for (std::size_t k = 0; k <= text.size() && i < N; ++k)
    if (k == text.size() || text[k] == ',') {
      r[i++] = trim(text.substr(begin, k - begin));
      begin = k + 1;
    }
  return r;
}

/// A stage's declared input names, or none (an empty array) when it declares none.
template <class S>
constexpr auto declared_input_names() {
  if constexpr (requires { std::string_view{S::mlpipe_input_names}; })
    return split_input_names<count_input_names(S::mlpipe_input_names)>(S::mlpipe_input_names);
  else
    return std::array<std::string_view, 0>{};
}

}  // namespace detail

}  // namespace mlpipe
