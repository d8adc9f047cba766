// mlpipe/core/detail/graph.hpp: the pipeline's graph work done as constexpr code over arrays of indices:
// name lookup, duplicate names, Kahn's topological order and, when there is a cycle, its path.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace mlpipe::detail {

inline constexpr std::size_t npos = static_cast<std::size_t>(-1);

template <std::size_t N, std::size_t E>
struct graph_data {
  std::array<std::string_view, N> names{};
  std::array<std::size_t, N + 1> in_begin{};  // node i's inputs are edges [in_begin[i], in_begin[i + 1])
  std::array<std::string_view, E> in_names{};
  std::array<std::size_t, E> producer{};      // node index of each edge's producer, npos when unknown
  std::array<std::size_t, E> consumer{};
  std::size_t dup_first = npos, dup_second = npos;  // the first pair of nodes sharing a name
  std::size_t unknown_edge = npos;                  // the first edge naming no node
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
};

template <std::size_t N, std::size_t E>
constexpr graph_data<N, E> analyze(const std::array<std::string_view, N>& names,
                                   const std::array<std::size_t, N>& input_counts,
                                   const std::array<const std::string_view*, N>& inputs) {
  graph_data<N, E> g{};
  g.names = names;
  std::size_t e = 0;
  for (std::size_t i = 0; i < N; ++i) {
    g.in_begin[i] = e;
    for (std::size_t k = 0; k < input_counts[i]; ++k) {
      g.in_names[e] = inputs[i][k];
      g.consumer[e] = i;
      ++e;
    }
  }
  g.in_begin[N] = e;

  for (std::size_t i = 0; i < N && g.dup_first == npos; ++i)
    for (std::size_t j = i + 1; j < N; ++j)
      if (names[i] == names[j]) {
        g.dup_first = i;
        g.dup_second = j;
        break;
      }

  for (std::size_t k = 0; k < E; ++k) {
    g.producer[k] = g.find(g.in_names[k]);
    if (g.producer[k] == npos && g.unknown_edge == npos) g.unknown_edge = k;
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
