// mlpipe/core/impl/draw.ipp: the bodies of core/draw.hpp (inline in the header-only mode, compiled into libmlpipe
// otherwise).
#pragma once

#include <mlpipe/core/draw.hpp>

namespace mlpipe::detail {

MLPIPE_DECL std::string dot_quoted(std::string_view s) {
  std::string r = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r + '"';
}
// "name\nstage": both parts escaped, joined by DOT's own line-break escape.
MLPIPE_DECL std::string dot_label(std::string_view name, std::string_view stage) {
  std::string a = dot_quoted(name);
  a.pop_back();
  return a + "\\n" + dot_quoted(stage).substr(1);
}
MLPIPE_DECL std::string mermaid_text(std::string_view s) {
  std::string r;
  for (char c : s) {
    if (c == '"') r += "#quot;";
    else if (c == '<') r += "#lt;";
    else if (c == '>') r += "#gt;";
    else r += c;
  }
  return r;
}

MLPIPE_DECL std::string draw_dot(std::string_view pipeline_name, const graph_view& g) {
  std::string s = "digraph " + dot_quoted(pipeline_name) + " {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n";
  for (std::size_t i = 0; i < g.names.size(); ++i)
    s += "  " + dot_quoted(g.names[i]) + " [label=" + dot_label(g.names[i], g.stage_names[i]) + "];\n";
  for (std::size_t e = 0; e < g.producer.size(); ++e)
    s += "  " + dot_quoted(g.names[g.producer[e]]) + " -> " + dot_quoted(g.names[g.consumer[e]]) + ";\n";
  return s + "}\n";
}

MLPIPE_DECL std::string draw_mermaid(const graph_view& g) {
  std::string s = "flowchart LR\n";
  for (std::size_t i = 0; i < g.names.size(); ++i)
    s += "  n" + std::to_string(i) + "[\"" + mermaid_text(g.names[i]) + "<br/><i>" + mermaid_text(g.stage_names[i]) +
         "</i>\"]\n";
  for (std::size_t e = 0; e < g.producer.size(); ++e)
    s += "  n" + std::to_string(g.producer[e]) + " --> n" + std::to_string(g.consumer[e]) + "\n";
  return s;
}

}  // namespace mlpipe::detail
