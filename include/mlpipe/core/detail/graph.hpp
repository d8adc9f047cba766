// mlpipe/core/detail/graph.hpp: the pipeline's graph work done as constexpr code over arrays of indices:
// name lookup, duplicate names, input ports, Kahn's topological order and, when there is a cycle, its path.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace mlpipe::detail {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

/// Names for inputs whose stage declares none and whose producer's name cannot serve.
inline constexpr std::array<std::string_view, 16> positional_input_names{
    "input0", "input1", "input2",  "input3",  "input4",  "input5",  "input6",  "input7",
    "input8", "input9", "input10", "input11", "input12", "input13", "input14", "input15"};

/// What pipeline(...) tells analyze() about node i.
struct node_shape {
  std::string_view name;
  const std::string_view* from = nullptr;  // the from<...> entries; "" for mlpipe::none
  std::size_t from_count = 0;
  std::size_t arity = 0;                    // the stage's inputs
  std::size_t required = 0;                 // how many from<...> must list (up to the last required input)
  const bool* optional = nullptr;           // per input
  const std::string_view* declared = nullptr;  // MLPIPE_INPUTS names, or nullptr
  std::size_t declared_count = 0;
};

/// N nodes, E edges (wired inputs), P ports (every stage input, wired or not).
template <std::size_t N, std::size_t E, std::size_t P>
struct graph_data {
  std::array<std::string_view, N> names{};
  std::array<std::size_t, N + 1> in_begin{};  // node i's edges are [in_begin[i], in_begin[i + 1])
  std::array<std::string_view, E> in_names{};
  std::array<std::size_t, E> producer{};      // node index of each edge's producer, npos when unknown
  std::array<std::size_t, E> consumer{};
  std::array<std::size_t, E> edge_input{};    // the consumer's input (parameter index) the edge fills
  // Ports: node i's inputs are ports [port_begin[i], port_begin[i + 1]), one per stage parameter.
  std::array<std::size_t, N + 1> port_begin{};
  std::array<std::string_view, P> port_names{};
  std::array<std::size_t, P> port_edge{};     // the edge that fills the port, npos when unwired
  std::array<bool, P> port_optional{};
  std::size_t dup_first = npos, dup_second = npos;  // the first pair of nodes sharing a name
  std::size_t unknown_edge = npos;                  // the first edge naming no node
  std::size_t bad_count = npos;                     // the first node listing too few or too many inputs
  std::size_t bad_declared = npos;                  // the first node whose MLPIPE_INPUTS count is wrong
  std::size_t dup_port = npos;                      // the second of the first two ports sharing a name
  std::size_t unwired_required = npos;              // the first required port given mlpipe::none
  std::array<std::size_t, N> order{};               // a topological order (producers first)
  std::size_t ordered = 0;                          // == N when acyclic
  std::array<std::size_t, N + 1> cycle{};           // a cycle's path, first node repeated at the end
  std::size_t cycle_length = 0;
  // Successors in CSR form, for the parallel runner.
  std::array<std::size_t, N + 1> out_begin{};
  std::array<std::size_t, E> out_nodes{};
  std::array<std::size_t, N> distinct_producers{};  // how many different nodes feed node i

  constexpr bool has_duplicate() const { return dup_first != npos; }
  constexpr bool has_unknown() const { return unknown_edge != npos; }
  constexpr bool acyclic() const { return ordered == N; }
  constexpr std::size_t node_of_edge(std::size_t e) const { return consumer[e]; }
  constexpr std::size_t find(std::string_view name) const {
    for (std::size_t i = 0; i < N; ++i)
      if (names[i] == name) return i;
    return npos;
  }
  /// The port of node i called `port`, npos when it has none.
  constexpr std::size_t find_port(std::size_t i, std::string_view port) const {
    for (std::size_t k = port_begin[i]; k < port_begin[i + 1]; ++k)
      if (port_names[k] == port) return k;
    return npos;
  }
};

/// How many from<...> entries wire something (mlpipe::none wires nothing).
template <std::size_t K>
constexpr std::size_t count_wired(const std::array<std::string_view, K>& from) {
  std::size_t n = 0;
  for (auto f : from) n += !f.empty();
  return n;
}

template <std::size_t N, std::size_t E, std::size_t P>
constexpr graph_data<N, E, P> analyze(const std::array<node_shape, N>& nodes) {
  graph_data<N, E, P> g{};
  std::size_t e = 0, port = 0;
  for (std::size_t i = 0; i < N; ++i) {
    const node_shape& n = nodes[i];
    g.names[i] = n.name;
    g.in_begin[i] = e;
    g.port_begin[i] = port;
    for (std::size_t k = 0; k < n.arity; ++k) {
      g.port_edge[port + k] = npos;
      g.port_optional[port + k] = n.optional[k];
    }
    for (std::size_t k = 0; k < n.from_count; ++k) {
      if (n.from[k].empty()) {
        if (k < n.arity && !n.optional[k] && g.unwired_required == npos) g.unwired_required = port + k;
        continue;
      }
      g.in_names[e] = n.from[k];
      g.consumer[e] = i;
      g.edge_input[e] = k;
      if (k < n.arity) g.port_edge[port + k] = e;
      ++e;
    }
    if ((n.from_count > n.arity || n.from_count < n.required) && g.bad_count == npos) g.bad_count = i;
    if (n.declared_count != 0 && n.declared_count != n.arity && g.bad_declared == npos) g.bad_declared = i;
    port += n.arity;
  }
  g.in_begin[N] = e;
  g.port_begin[N] = port;

  for (std::size_t i = 0; i < N && g.dup_first == npos; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (g.names[i] == g.names[j]) {
        g.dup_first = i;
        g.dup_second = j;
        break;
      }

  for (std::size_t k = 0; k < E; ++k) {
    g.producer[k] = g.find(g.in_names[k]);
    if (g.producer[k] == npos && g.unknown_edge == npos) g.unknown_edge = k;
  }

  // Port names: the stage's own; else the producer's node name when it feeds only this input; else inputK.
  for (std::size_t i = 0; i < N; ++i) {
    const node_shape& n = nodes[i];
    for (std::size_t k = 0; k < n.arity; ++k) {
      std::size_t p = g.port_begin[i] + k;
      if (n.declared_count == n.arity) {
        g.port_names[p] = n.declared[k];
        continue;
      }
      std::string_view name = k < positional_input_names.size() ? positional_input_names[k] : "input";
      if (std::size_t edge = g.port_edge[p]; edge != npos) {
        std::size_t feeds = 0;
        for (std::size_t m = g.in_begin[i]; m < g.in_begin[i + 1]; ++m) feeds += g.in_names[m] == g.in_names[edge];
        if (feeds == 1) name = g.in_names[edge];
      }
      g.port_names[p] = name;
    }
    for (std::size_t a = g.port_begin[i]; a < g.port_begin[i + 1] && g.dup_port == npos; ++a)
      for (std::size_t b = a + 1; b < g.port_begin[i + 1]; ++b)
        if (g.port_names[a] == g.port_names[b]) {
          g.dup_port = b;
          break;
        }
  }
  if (g.has_duplicate() || g.has_unknown()) return g;

  // Successor lists (CSR) and in-degrees counted per edge.
  std::array<std::size_t, N> indegree{};
  for (std::size_t k = 0; k < E; ++k) ++g.out_begin[g.producer[k] + 1];
  for (std::size_t i = 0; i < N; ++i) g.out_begin[i + 1] += g.out_begin[i];
  std::array<std::size_t, N> fill{};
  for (std::size_t k = 0; k < E; ++k) {
    auto p = g.producer[k];
    g.out_nodes[g.out_begin[p] + fill[p]++] = g.consumer[k];
    ++indegree[g.consumer[k]];
  }
  for (std::size_t i = 0; i < N; ++i)
    for (std::size_t k = g.in_begin[i]; k < g.in_begin[i + 1]; ++k) {
      bool seen = false;
      for (std::size_t m = g.in_begin[i]; m < k; ++m) seen = seen || g.producer[m] == g.producer[k];
      if (!seen) ++g.distinct_producers[i];
    }

  // Kahn's algorithm; ties keep declaration order, so the order is the one a reader expects.
  std::array<bool, N> done{};
  std::size_t head = 0;
  for (std::size_t i = 0; i < N; ++i)
    if (indegree[i] == 0) g.order[g.ordered++] = i;
  while (head < g.ordered) {
    auto v = g.order[head++];
    done[v] = true;
    for (std::size_t s = g.out_begin[v]; s < g.out_begin[v + 1]; ++s)
      if (--indegree[g.out_nodes[s]] == 0) g.order[g.ordered++] = g.out_nodes[s];
  }
  if (g.ordered == N) return g;

  // A cycle: every node left has a producer that is also left, so walking producers must repeat a node.
  std::size_t start = 0;
  while (done[start]) ++start;
  std::array<std::size_t, N> visit_step{};
  for (auto& s : visit_step) s = npos;
  std::array<std::size_t, N> walk{};
  std::size_t steps = 0, v = start;
  while (visit_step[v] == npos) {
    visit_step[v] = steps;
    walk[steps++] = v;
    for (std::size_t k = g.in_begin[v]; k < g.in_begin[v + 1]; ++k)
      if (!done[g.producer[k]]) {
        v = g.producer[k];
        break;
      }
  }
  // walk[visit_step[v]] .. walk[steps-1] goes consumer -> producer; report it producer -> consumer.
  std::size_t first = visit_step[v];
  for (std::size_t i = steps; i-- > first;) g.cycle[g.cycle_length++] = walk[i];
  g.cycle[g.cycle_length++] = g.cycle[0];
  return g;
}

}  // namespace mlpipe::detail
