// mlpipe/core/pipeline.hpp: `pipeline(nodes...)` composes named stages into a DAG the compiler checks:
// unique names, every from<...> names a node, input counts and names, no cycle, and each input's type.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include <mlpipe/core/artifact.hpp>
#include <mlpipe/core/detail/flat_tuple.hpp>
#include <mlpipe/core/detail/graph.hpp>
#include <mlpipe/core/errors.hpp>
#include <mlpipe/core/node.hpp>
#include <mlpipe/core/outputs.hpp>

namespace mlpipe {

/// One input port of a node, as the pipeline's graph knows it at compile time.
struct input_port {
  std::string_view name;           // MLPIPE_INPUTS' name, else the producer's node name, else "input<K>"
  std::size_t input = 0;           // the stage parameter it fills
  std::size_t producer = 0;        // declaration index of the node wired to it; no_producer when none
  std::string_view producer_name;  // empty when none
  bool optional = false;           // an optional_input<T>
  std::string_view type;           // the artifact's type name (e.g. "Model"), else the C++ type's name
  static constexpr std::size_t no_producer = static_cast<std::size_t>(-1);
  constexpr bool wired() const { return producer != no_producer; }
};

namespace detail {
/// A pipeline's graph seen without its type: its compile-time tables, in declaration order, for the
/// non-template code that draws, lists and describes it (compiled once, not per pipeline).
struct graph_view {
  std::span<const std::string_view> names;        // node i's name
  std::span<const std::string_view> stage_names;  // node i's stage name
  std::span<const std::size_t> order;             // a topological order (producers first)
  std::span<const std::size_t> producer;          // edge e's producer node
  std::span<const std::size_t> consumer;          // edge e's consumer node
  std::span<const std::size_t> port_begin;        // node i's ports are [port_begin[i], port_begin[i + 1])
  std::span<const input_port> ports;
  std::span<const input_port> inputs(std::size_t i) const {
    return ports.subspan(port_begin[i], port_begin[i + 1] - port_begin[i]);
  }
};

template <class Node>
constexpr node_shape shape_of() {
  using T = typename Node::traits;
  return node_shape{Node::name,           Node::inputs.data(), Node::input_count,
                    T::arity,             T::required,         T::optional.data(),
                    T::declared_names.data(), T::declared_names.size()};
}

template <class... Nodes>
struct graph_of {
  static constexpr std::size_t size = sizeof...(Nodes);
  static constexpr std::size_t edges = (count_wired(Nodes::inputs) + ... + 0);
  static constexpr std::size_t ports = (Nodes::traits::arity + ... + 0);
  static constexpr auto value = analyze<size, edges, ports>(std::array<node_shape, size>{shape_of<Nodes>()...});
};

template <std::size_t I, class... Nodes>
using node_at = type_at<I, Nodes...>;

/// The nodes as a list of types (edge_check reads two of them).
template <class... Nodes>
struct node_list {
  template <std::size_t I>
  using at = type_at<I, Nodes...>;
};

/// What a port of type T is called in the graph's description: its artifact type name, else its C++ name.
template <class T>
constexpr std::string_view port_type_name() {
  if constexpr (artifact<T>)
    return std::string_view{T::type_name};
  else
    return type_name_of<T>();
}

// Per-edge type check: the consumer's input against what its producer gives.
template <class G, class List, std::size_t Edge>
struct edge_check {
  static constexpr std::size_t consumer = G::value.consumer[Edge];
  static constexpr std::size_t input = G::value.edge_input[Edge];
  static constexpr std::size_t port = G::value.port_begin[consumer] + input;
  static constexpr std::size_t producer = G::value.producer[Edge];
  using consumer_node = typename List::template at<consumer>;
  using producer_node = typename List::template at<producer>;
  using expected = typename consumer_node::traits::template port_type<input>;
  using given = typename producer_node::traits::output;
  using selection = port_selection<given, expected>;
};

/// Port P's name as a template argument for a diagnostic.
template <class G, std::size_t P>
inline constexpr auto port_name_of = fixed_string<G::value.port_names[P].size() + 1>(G::value.port_names[P]);

template <class... Nodes>
struct pipeline_checks {
  using G = graph_of<Nodes...>;
  using tuple = node_list<Nodes...>;
  static constexpr auto& g = G::value;

  template <std::size_t... Es>
  static constexpr std::size_t first_bad_edge(std::index_sequence<Es...>) {
    std::size_t found = npos;
    ((found == npos && !edge_check<G, tuple, Es>::selection::valid ? found = Es : 0), ...);
    return found;
  }

  template <std::size_t... Is>
  static auto cycle_error(std::index_sequence<Is...>) -> errors::cycle_through<node_at<g.cycle[Is], Nodes...>::fixed_name...>;

  static constexpr std::size_t node_of_port(std::size_t port) {
    std::size_t i = 0;
    while (g.port_begin[i + 1] <= port) ++i;
    return i;
  }

  /// The first broken rule's diagnostic (an incomplete type naming what is wrong), or void when every rule holds.
  /// Chosen as a type, never evaluated: a constant expression that failed would add errors of its own.
  static auto first_error() {
    if constexpr ((std::is_same_v<typename Nodes::stage_type, diagnosed_stage> || ...)) {
      return std::type_identity<diagnosed_stage>{};  // node<...>(s) has said s is not a stage
    } else if constexpr (g.has_duplicate()) {
      return std::type_identity<errors::duplicate_node_name<node_at<g.dup_second, Nodes...>::fixed_name>>{};
    } else if constexpr (g.has_unknown()) {
      using N = node_at<g.consumer[g.unknown_edge], Nodes...>;
      return std::type_identity<
          errors::unknown_name_in_from<N::fixed_name, std::get<g.edge_input[g.unknown_edge]>(N::fixed_inputs)>>{};
    } else if constexpr (g.bad_count != npos) {
      using N = node_at<g.bad_count, Nodes...>;
      return std::type_identity<errors::wrong_number_of_inputs<N::fixed_name, typename N::stage_type, N::traits::required,
                                                               N::traits::arity, N::input_count>>{};
    } else if constexpr (g.bad_declared != npos) {
      using N = node_at<g.bad_declared, Nodes...>;
      return std::type_identity<errors::input_names_do_not_match_inputs<
          N::fixed_name, typename N::stage_type, N::traits::declared_names.size(), N::traits::arity>>{};
    } else if constexpr (g.dup_port != npos) {
      using N = node_at<node_of_port(g.dup_port), Nodes...>;
      return std::type_identity<errors::duplicate_input_port<N::fixed_name, typename N::stage_type,
                                                             port_name_of<G, g.dup_port>>>{};
    } else if constexpr (g.unwired_required != npos) {
      using N = node_at<node_of_port(g.unwired_required), Nodes...>;
      return std::type_identity<errors::required_input_not_wired<N::fixed_name, typename N::stage_type,
                                                                 port_name_of<G, g.unwired_required>>>{};
    } else if constexpr (!g.acyclic()) {
      return std::type_identity<decltype(cycle_error(std::make_index_sequence<g.cycle_length>{}))>{};
    } else if constexpr (constexpr auto bad = first_bad_edge(std::make_index_sequence<G::edges>{}); bad != npos) {
      using C = edge_check<G, tuple, bad>;
      constexpr auto& port = port_name_of<G, C::port>;
      if constexpr (C::selection::ambiguous)
        return std::type_identity<errors::ambiguous_input<C::consumer_node::fixed_name, port, C::producer_node::fixed_name,
                                                          typename C::expected, typename C::given>>{};
      else
        return std::type_identity<errors::input_type_mismatch<C::consumer_node::fixed_name, port,
                                                              C::producer_node::fixed_name, typename C::expected,
                                                              typename C::given>>{};
    } else {
      return std::type_identity<void>{};
    }
  }
  using error = typename decltype(first_error())::type;
};

struct pipeline_tag {};
}  // namespace detail

/// A checked DAG of nodes. Made by `pipeline(...)`; run with `run(p)`.
template <node_type... Nodes>
class pipeline_t : public detail::pipeline_tag {
 public:
  using graph = detail::graph_of<Nodes...>;
  using nodes_list = detail::node_list<Nodes...>;
  static constexpr std::size_t size = sizeof...(Nodes);
  template <std::size_t I>
  using node_type_at = detail::node_at<I, Nodes...>;

  constexpr pipeline_t(std::string name, Nodes... nodes) : name_(std::move(name)), nodes_(std::in_place, std::move(nodes)...) {}

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

  /// The graph's tables without the pipeline's type (for non-template code).
  static constexpr detail::graph_view view() noexcept {
    constexpr auto& g = graph::value;
    return {g.names, stage_names, g.order, std::span<const std::size_t>(g.producer.data(), graph::edges),
            std::span<const std::size_t>(g.consumer.data(), graph::edges), g.port_begin, input_ports};
  }

  /// Node i's input ports (declaration order index), one per stage input: name, producer or none, optional.
  static constexpr std::span<const input_port> inputs(std::size_t i) {
    return std::span<const input_port>(input_ports).subspan(graph::value.port_begin[i],
                                                            graph::value.port_begin[i + 1] - graph::value.port_begin[i]);
  }

  /// Each node's stage name (stage_name<S>()), in declaration order.
  static constexpr std::array<std::string_view, size> stage_names{stage_name<typename Nodes::stage_type>()...};

  /// Node i's parameters as JSON (declaration order index). One small function per node, reached through
  /// a table, so code that walks every node (help, drawing, overrides) is a loop, not an unrolled expansion.
  /// (A template so that only its callers need <nlohmann/json.hpp>.)
  template <class Json = nlohmann::json>
  Json parameters(std::size_t i) const {
    Json j;
    param_table[i](*this, j);
    return j;
  }
  /// Node i's parameters as JSON text ("{}" when it has none).
  std::string parameters_text(std::size_t i) const {
    detail::json_box j;
    param_table[i](*this, *j);
    return detail::json_dump(*j);
  }

  /// Sets node i's parameter from command-line text (see set_parameter_from_text).
  void set_parameter(std::size_t i, std::string_view param, std::string_view text, std::string_view where) {
    set_table[i](*this, param, text, where);
  }

  template <std::size_t I>
  auto& node_at() noexcept { return detail::tuple_get<I>(nodes_); }
  template <std::size_t I>
  const auto& node_at() const noexcept { return detail::tuple_get<I>(nodes_); }

  /// The stage of the node with this compile-time name: `p.stage<"model">().l2 = 1e-3;`
  template <fixed_string Name>
    requires(size > 0)  // a failed pipeline (no nodes) has no stages: its one diagnostic is enough
  auto& stage() noexcept {
    constexpr auto i = graph::value.find(Name.view());
    static_assert(i != detail::npos, "mlpipe: pipeline::stage<NAME>(): no node has that name");
    return detail::tuple_get<i>(nodes_).stage();
  }

  /// Calls f(index, node) for each node, in declaration order.
  template <class F>
  void for_each_node(F&& f) {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) { (f(std::integral_constant<std::size_t, Is>{}, detail::tuple_get<Is>(nodes_)), ...); }(
        std::index_sequence_for<Nodes...>{});
  }
  template <class F>
  void for_each_node(F&& f) const {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) { (f(std::integral_constant<std::size_t, Is>{}, detail::tuple_get<Is>(nodes_)), ...); }(
        std::index_sequence_for<Nodes...>{});
  }

 private:
  template <std::size_t I>
  static void parameters_of(const pipeline_t& p, nlohmann::json& out) {
    detail::write_parameters(detail::tuple_get<I>(p.nodes_).stage(), out);
  }
  template <std::size_t I>
  static void set_parameter_of(pipeline_t& p, std::string_view param, std::string_view text, std::string_view where) {
    set_parameter_from_text(detail::tuple_get<I>(p.nodes_).stage(), param, text, where);
  }
  using param_fn = void (*)(const pipeline_t&, nlohmann::json&);
  using set_fn = void (*)(pipeline_t&, std::string_view, std::string_view, std::string_view);
  static constexpr auto param_table = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<param_fn, size>{&parameters_of<Is>...};
  }(std::index_sequence_for<Nodes...>{});
  static constexpr auto set_table = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<set_fn, size>{&set_parameter_of<Is>...};
  }(std::index_sequence_for<Nodes...>{});

  template <class Node>
  static constexpr auto port_types() {
    return []<std::size_t... Ks>(std::index_sequence<Ks...>) {
      return std::array<std::string_view, Node::traits::arity>{
          detail::port_type_name<typename Node::traits::template port_type<Ks>>()...};
    }(std::make_index_sequence<Node::traits::arity>{});
  }
  static constexpr auto input_ports = [] {
    constexpr auto& g = graph::value;
    std::array<input_port, graph::ports> r{};
    constexpr std::array<std::string_view, graph::ports> types = [] {
      std::array<std::string_view, graph::ports> t{};
      std::size_t k = 0;
      (
          [&] {
            for (auto n : port_types<Nodes>()) t[k++] = n;
          }(),
          ...);
      return t;
    }();
    for (std::size_t i = 0; i < size; ++i)
      for (std::size_t p = g.port_begin[i]; p < g.port_begin[i + 1]; ++p) {
        auto e = g.port_edge[p];
        r[p] = input_port{g.port_names[p], p - g.port_begin[i], e == detail::npos ? input_port::no_producer : g.producer[e],
                          e == detail::npos ? std::string_view{} : g.names[g.producer[e]], g.port_optional[p], types[p]};
      }
    return r;
  }();

  std::string name_;
  detail::flat_tuple<Nodes...> nodes_;
};

/// What `pipeline(...)` gives when a rule fails (after its one diagnostic): a pipeline of no nodes, so that
/// main(p, ...), run(p) and the other calls on it add no errors of their own.
using invalid_pipeline = pipeline_t<>;

/// True for checked pipelines.
template <class P>
concept pipeline_type = std::is_base_of_v<detail::pipeline_tag, std::remove_cvref_t<P>>;

/// Composes nodes into a pipeline named `name`, checked at compile time.
template <node_type... Nodes>
constexpr auto pipeline(std::string name, Nodes... nodes) {
  static_assert(sizeof...(Nodes) > 0, "mlpipe: a pipeline needs at least one node");
  using error = typename detail::pipeline_checks<Nodes...>::error;
  if constexpr (std::is_void_v<error>) {
    return pipeline_t<Nodes...>(std::move(name), std::move(nodes)...);
  } else if constexpr (std::is_same_v<error, detail::diagnosed_stage>) {
    return invalid_pipeline(std::move(name));
  } else {
    (void)sizeof(error);  // The pipeline breaks the rule this names (mlpipe/core/errors.hpp says each rule).
    return invalid_pipeline(std::move(name));
  }
}

/// Composes nodes into a pipeline named "pipeline".
template <node_type... Nodes>
constexpr auto pipeline(Nodes... nodes) {
  return mlpipe::pipeline(std::string("pipeline"), std::move(nodes)...);
}

}  // namespace mlpipe
