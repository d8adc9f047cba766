// mlpipe/core/node.hpp: a named stage in a pipeline, and its wiring: `node<"model">(train{}) << from<"examples">`.
// Names are compile-time strings; `from` lists the producers of the stage's inputs, in parameter order.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <mlpipe/core/errors.hpp>
#include <mlpipe/core/name.hpp>
#include <mlpipe/core/stage.hpp>

namespace mlpipe {

/// The producers of a node's inputs, by node name, in the order of the stage's parameters.
template <fixed_string... Names>
struct from_t {};

/// `from<"statistics", "schema">`: wires a node's inputs to the named nodes' outputs.
template <fixed_string... Names>
inline constexpr from_t<Names...> from{};

namespace detail {
struct node_tag {};
/// What a node holds after a diagnostic about it (not a stage, inputs listed twice), so nothing else reports on it.
struct diagnosed_stage {
  int operator()() const { return 0; }
};
}  // namespace detail

/// A stage with a name and its wiring. Made by `node<"name">(stage)`; wired with `<< from<...>`.
template <fixed_string Name, stage Stage, bool Wired, fixed_string... Inputs>
class node_t : public detail::node_tag {
 public:
  using stage_type = Stage;
  using traits = stage_traits<Stage>;
  static constexpr auto fixed_name = Name;
  static constexpr std::string_view name = Name.view();
  static constexpr std::size_t input_count = sizeof...(Inputs);
  static constexpr std::array<std::string_view, sizeof...(Inputs)> inputs{Inputs.view()...};
  static constexpr auto fixed_inputs = std::tuple{Inputs...};

  constexpr explicit node_t(Stage s) : stage_(std::move(s)) {}

  Stage& stage() noexcept { return stage_; }
  const Stage& stage() const noexcept { return stage_; }

  /// Wires the node's inputs: `node<"b">(s) << from<"a">`.
  template <fixed_string... From>
  friend constexpr node_t<Name, Stage, true, From...> operator<<(node_t n, from_t<From...>)
    requires(!Wired)
  {
    return node_t<Name, Stage, true, From...>(std::move(n.stage_));
  }

  // A node's inputs are listed once, in one from<...>: `<< from<"a"> << from<"b">` is a mistake
  // (write `<< from<"a", "b">`). The one diagnostic names the node.
  template <fixed_string... From>
  friend constexpr auto operator<<(node_t, from_t<From...>)
    requires Wired
  {
    (void)sizeof(errors::inputs_listed_in_two_from<Name, From...>);  // see mlpipe/core/errors.hpp
    return node_t<Name, detail::diagnosed_stage, true>(detail::diagnosed_stage{});
  }

 private:
  Stage stage_;
};

/// `node<"name">(stage)`: names a stage so other nodes can take its output.
template <fixed_string Name, class Stage>
constexpr auto node(Stage s) {
  static_assert(Name.size() > 0, "mlpipe: a node's name must not be empty");
  if constexpr (stage<Stage>) {
    return node_t<Name, Stage, false>(std::move(s));
  } else {
    // A stage is a copyable class with exactly one non-template call operator
    // `Out operator()(const In&..., mlpipe::context&)` returning a value, taking its inputs by value or const&.
    (void)sizeof(errors::not_a_stage<Name, Stage>);
    return node_t<Name, detail::diagnosed_stage, false>(detail::diagnosed_stage{});
  }
}

/// True for the types node<"...">(...) makes.
template <class T>
concept node_type = std::is_base_of_v<detail::node_tag, T>;

}  // namespace mlpipe
