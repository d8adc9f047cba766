// mlpipe/core/pipeline.hpp: `pipeline(nodes...)` composes named stages into a DAG the compiler checks:
// unique names, every from<...> names a node, input counts, no cycle, and each input's type.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <mlpipe/core/detail/graph.hpp>
#include <mlpipe/core/errors.hpp>
#include <mlpipe/core/node.hpp>
#include <mlpipe/core/outputs.hpp>

namespace mlpipe {

namespace detail {
template <class... Nodes>
struct graph_of {
  static constexpr std::size_t size = sizeof...(Nodes);
  static constexpr std::size_t edges = (Nodes::input_count + ... + 0);
  static constexpr auto value = analyze<size, edges>(
      std::array<std::string_view, size>{Nodes::name...}, std::array<std::size_t, size>{Nodes::input_count...},
      std::array<const std::string_view*, size>{Nodes::inputs.data()...});
};

template <std::size_t I, class... Nodes>
using node_at = std::tuple_element_t<I, std::tuple<Nodes...>>;

template <class Node>
using name_of = readable_name<Node::fixed_name>;

// Per-edge type check: the consumer's I-th input against what its producer gives.
template <class G, class Tuple, std::size_t Edge>
struct edge_check {
  static constexpr std::size_t consumer = G::value.consumer[Edge];
  static constexpr std::size_t input = Edge - G::value.in_begin[consumer];
  static constexpr std::size_t producer = G::value.producer[Edge];
  using consumer_node = std::tuple_element_t<consumer, Tuple>;
  using producer_node = std::tuple_element_t<producer, Tuple>;
  using expected = typename consumer_node::traits::template input<input>;
  using given = typename producer_node::traits::output;
  using selection = port_selection<given, expected>;
};

template <class... Nodes>
struct pipeline_checks {
  using G = graph_of<Nodes...>;
  using tuple = std::tuple<Nodes...>;
  static constexpr auto& g = G::value;

  template <std::size_t... Is>
  static constexpr std::size_t first_arity_mismatch(std::index_sequence<Is...>) {
    std::size_t found = npos;
    ((found == npos && node_at<Is, Nodes...>::input_count != node_at<Is, Nodes...>::traits::arity ? found = Is
                                                                                                 : 0),
     ...);
    return found;
  }
  template <std::size_t... Es>
  static constexpr std::size_t first_bad_edge(std::index_sequence<Es...>) {
    std::size_t found = npos;
    ((found == npos && !edge_check<G, tuple, Es>::selection::valid ? found = Es : 0), ...);
    return found;
  }

  template <std::size_t... Is>
  static auto cycle_error(std::index_sequence<Is...>)
      -> errors::cycle_through<name_of<node_at<g.cycle[Is], Nodes...>>...>;

  /// Instantiates the first failing rule's diagnostic; true when every rule holds.
  static constexpr bool check() {
    if constexpr (g.has_duplicate()) {
      (void)sizeof(errors::duplicate_node_name<name_of<node_at<g.dup_second, Nodes...>>>);
      return false;
    } else if constexpr (g.has_unknown()) {
      constexpr std::size_t node = g.consumer[g.unknown_edge];
      constexpr std::size_t input = g.unknown_edge - g.in_begin[node];
      using N = node_at<node, Nodes...>;
      (void)sizeof(errors::from_names_no_node<name_of<N>, readable_name<std::get<input>(N::fixed_inputs)>>);
      return false;
    } else if constexpr (constexpr auto bad = first_arity_mismatch(std::index_sequence_for<Nodes...>{});
                         bad != npos) {
      using N = node_at<bad, Nodes...>;
      (void)sizeof(errors::wrong_number_of_inputs<name_of<N>, typename N::stage_type, N::traits::arity,
                                                  N::input_count>);
      return false;
    } else if constexpr (!g.acyclic()) {
      (void)sizeof(decltype(cycle_error(std::make_index_sequence<g.cycle_length>{})));
      return false;
    } else if constexpr (constexpr auto bad = first_bad_edge(std::make_index_sequence<G::edges>{}); bad != npos) {
      using C = edge_check<G, tuple, bad>;
      if constexpr (C::selection::ambiguous)
        (void)sizeof(errors::ambiguous_input<name_of<typename C::consumer_node>, C::input,
                                             name_of<typename C::producer_node>, typename C::expected,
                                             typename C::given>);
      else
        (void)sizeof(errors::input_type_mismatch<name_of<typename C::consumer_node>, C::input,
                                                 name_of<typename C::producer_node>, typename C::expected,
                                                 typename C::given>);
      return false;
    } else {
      return true;
    }
  }
};

struct pipeline_tag {};
}  // namespace detail

/// A checked DAG of nodes. Made by `pipeline(...)`; run with `run(p)`.
template <node_type... Nodes>
class pipeline_t : public detail::pipeline_tag {
 public:
  using graph = detail::graph_of<Nodes...>;
  using nodes_tuple = std::tuple<Nodes...>;
  static constexpr std::size_t size = sizeof...(Nodes);
  template <std::size_t I>
  using node_type_at = detail::node_at<I, Nodes...>;

  constexpr pipeline_t(std::string name, Nodes... nodes) : name_(std::move(name)), nodes_(std::move(nodes)...) {}

  /// The pipeline's name (the metadata context and the artifact folder use it).
  const std::string& name() const noexcept { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  /// Node names in declaration order, and in the topological order the run uses.
  static constexpr const auto& names() noexcept { return graph::value.names; }
  static constexpr std::array<std::string_view, size> topological_names() {
    std::array<std::string_view, size> r{};
    for (std::size_t i = 0; i < size; ++i) r[i] = graph::value.names[graph::value.order[i]];
    return r;
  }
  static constexpr std::optional<std::size_t> find(std::string_view node_name) {
    auto i = graph::value.find(node_name);
    return i == detail::npos ? std::nullopt : std::optional<std::size_t>(i);
  }

  /// Each node's stage name (stage_name<S>()), in declaration order.
  static constexpr std::array<std::string_view, size> stage_names{stage_name<typename Nodes::stage_type>()...};

  /// Node i's parameters as JSON (declaration order index). One small function per node, reached through
  /// a table, so code that walks every node (help, drawing, overrides) is a loop, not an unrolled expansion.
  nlohmann::json parameters(std::size_t i) const { return param_table[i](*this); }

  /// Sets node i's parameter from command-line text (see set_parameter_from_text).
  void set_parameter(std::size_t i, std::string_view param, std::string_view text, std::string_view where) {
    set_table[i](*this, param, text, where);
  }

  template <std::size_t I>
  auto& node_at() noexcept { return std::get<I>(nodes_); }
  template <std::size_t I>
  const auto& node_at() const noexcept { return std::get<I>(nodes_); }

  /// The stage of the node with this compile-time name: `p.stage<"model">().l2 = 1e-3;`
  template <fixed_string Name>
  auto& stage() noexcept {
    constexpr auto i = graph::value.find(Name.view());
    static_assert(i != detail::npos, "mlpipe: pipeline::stage<NAME>(): no node has that name");
    return std::get<i>(nodes_).stage();
  }

  /// Calls f(index, node) for each node, in declaration order.
  template <class F>
  void for_each_node(F&& f) {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) { (f(std::integral_constant<std::size_t, Is>{}, std::get<Is>(nodes_)), ...); }(
        std::index_sequence_for<Nodes...>{});
  }
  template <class F>
  void for_each_node(F&& f) const {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) { (f(std::integral_constant<std::size_t, Is>{}, std::get<Is>(nodes_)), ...); }(
        std::index_sequence_for<Nodes...>{});
  }

 private:
  template <std::size_t I>
  static nlohmann::json parameters_of(const pipeline_t& p) {
    return parameters_to_json(std::get<I>(p.nodes_).stage());
  }
  template <std::size_t I>
  static void set_parameter_of(pipeline_t& p, std::string_view param, std::string_view text, std::string_view where) {
    set_parameter_from_text(std::get<I>(p.nodes_).stage(), param, text, where);
  }
  using param_fn = nlohmann::json (*)(const pipeline_t&);
  using set_fn = void (*)(pipeline_t&, std::string_view, std::string_view, std::string_view);
  static constexpr auto param_table = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<param_fn, size>{&parameters_of<Is>...};
  }(std::index_sequence_for<Nodes...>{});
  static constexpr auto set_table = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<set_fn, size>{&set_parameter_of<Is>...};
  }(std::index_sequence_for<Nodes...>{});

  std::string name_;
  std::tuple<Nodes...> nodes_;
};

/// What `pipeline(...)` gives when a rule fails (after the diagnostic), so no further errors pile up.
struct invalid_pipeline {};

/// True for checked pipelines.
template <class P>
concept pipeline_type = std::is_base_of_v<detail::pipeline_tag, std::remove_cvref_t<P>>;

/// Composes nodes into a pipeline named `name`, checked at compile time.
template <node_type... Nodes>
constexpr auto pipeline(std::string name, Nodes... nodes) {
  static_assert(sizeof...(Nodes) > 0, "mlpipe: a pipeline needs at least one node");
  if constexpr (detail::pipeline_checks<Nodes...>::check())
    return pipeline_t<Nodes...>(std::move(name), std::move(nodes)...);
  else
    return invalid_pipeline{};
}

/// Composes nodes into a pipeline named "pipeline".
template <node_type... Nodes>
constexpr auto pipeline(Nodes... nodes) {
  return mlpipe::pipeline(std::string("pipeline"), std::move(nodes)...);
}

}  // namespace mlpipe
