// mlpipe/core/draw.hpp: the DAG as text for people and tools: Graphviz DOT (`to_dot`) and Mermaid (`to_mermaid`).
// Each node shows its name and its stage; edges go from producer to consumer.
#pragma once

#include <string>
#include <string_view>

#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/stage.hpp>

namespace mlpipe {

namespace detail {
inline std::string quoted(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + '"';
}
// "name\nstage": both parts escaped, joined by DOT's own line-break escape.
inline std::string dot_label(std::string_view name, std::string_view stage) {
  std::string a = quoted(name);
  a.pop_back();
  return a + "\\n" + quoted(stage).substr(1);
}
inline std::string mermaid_text(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '"') r += "#quot;";
    else if (c == '<') r += "#lt;";
    else if (c == '>') r += "#gt;";
    else r += c;
  }
  return r;
}
}  // namespace detail

/// Graphviz DOT: `dot -Tsvg` draws it.
template <node_type... Nodes>
std::string to_dot(const pipeline_t<Nodes...>& p) {
  using P = pipeline_t<Nodes...>;
  constexpr auto& g = P::graph::value;
  std::string s = "digraph " + detail::quoted(p.name()) + " {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (std::size_t i = 0; i < P::size; ++i)
    s += "  " + detail::quoted(g.names[i]) + " [label=" + detail::dot_label(g.names[i], P::stage_names[i]) + "];\n";
  for (std::size_t e = 0; e < P::graph::edges; ++e)
    s += "  " + detail::quoted(g.names[g.producer[e]]) + " -> " + detail::quoted(g.names[g.consumer[e]]) + ";\n";
  return s + "}\n";
}

/// Mermaid flowchart (renders in Markdown on common forges).
template <node_type... Nodes>
std::string to_mermaid(const pipeline_t<Nodes...>&) {
  using P = pipeline_t<Nodes...>;
  constexpr auto& g = P::graph::value;
  std::string s = "flowchart LR\n";
  for (std::size_t i = 0; i < P::size; ++i)
    s += "  n" + std::to_string(i) + "[\"" + detail::mermaid_text(g.names[i]) + "<br/><i>" +
         detail::mermaid_text(P::stage_names[i]) + "</i>\"]\n";
  for (std::size_t e = 0; e < P::graph::edges; ++e)
    s += "  n" + std::to_string(g.producer[e]) + " --> n" + std::to_string(g.consumer[e]) + "\n";
  return s;
}

}  // namespace mlpipe
