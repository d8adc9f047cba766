// mlpipe/ui/dag.hpp: a run's DAG or an artifact's lineage drawn by Graphviz (`dot -Tsvg`), each node an SVG
// group with the state classes and the link given; without Graphviz, the same nodes as an HTML list.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include <mlpipe/ui/html.hpp>

namespace mlpipe::ui {

/// A node to draw: its id (unique in the graph), label, CSS classes (e.g. "step state-cached") and link.
struct graph_node {
  std::string id;
  std::string label;
  std::string classes;
  std::string href;
  std::string tooltip;
  std::string shape = "box";
};
struct graph_edge {
  std::string from, to, label;
};
struct graph {
  std::vector<graph_node> nodes;
  std::vector<graph_edge> edges;
  std::string rankdir = "LR";
};

namespace detail {
/// A DOT string literal: quotes and backslashes escaped, so a name cannot break out of its attribute.
inline std::string dot_quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

/// Runs `dot -Tsvg` on a DOT file; the SVG text, or empty when Graphviz is not there or fails.
inline std::string run_dot(const std::string& dot_text) {
  char path[] = "/tmp/mlpipe-ui-XXXXXX";
  int fd = ::mkstemp(path);
  if (fd < 0) return {};
  bool written = ::write(fd, dot_text.data(), dot_text.size()) == static_cast<ssize_t>(dot_text.size());
  ::close(fd);
  std::string svg;
  if (written) {
    // The path is ours (mkstemp: letters and digits only), so the shell sees no user text.
    std::string cmd = std::string("dot -Tsvg ") + path + " 2>/dev/null";
    if (FILE* p = ::popen(cmd.c_str(), "r")) {
      char buf[8192];
      std::size_t n;
      while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) svg.append(buf, n);
      int status = ::pclose(p);
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) svg.clear();
    }
  }
  ::unlink(path);
  auto start = svg.find("<svg");
  return start == std::string::npos ? std::string{} : svg.substr(start);
}
}  // namespace detail

/// The graph in DOT (Graphviz's input), ids and classes carried into the SVG.
inline std::string to_dot(const graph& g) {
  std::string s = "digraph G {\n  rankdir=" + g.rankdir + ";\n  node [fontname=\"Helvetica\", fontsize=11, style=\"rounded,filled\", fillcolor=\"#ffffff\"];\n";
  for (auto& n : g.nodes) {
    s += "  " + detail::dot_quote(n.id) + " [label=" + detail::dot_quote(n.label) + ", shape=" + n.shape +
         ", id=" + detail::dot_quote("node-" + n.id) + ", class=" + detail::dot_quote(n.classes);
    if (!n.href.empty()) s += ", URL=" + detail::dot_quote(n.href) + ", target=\"_top\"";
    if (!n.tooltip.empty()) s += ", tooltip=" + detail::dot_quote(n.tooltip);
    if (n.classes.find("state-failed") != std::string::npos) s += ", fillcolor=\"#ffd9d9\"";
    else if (n.classes.find("state-cached") != std::string::npos) s += ", fillcolor=\"#dbe9ff\"";
    else if (n.classes.find("state-executed") != std::string::npos) s += ", fillcolor=\"#d8f3dc\"";
    else if (n.classes.find("state-skipped") != std::string::npos || n.classes.find("state-canceled") != std::string::npos)
      s += ", fillcolor=\"#eeeeee\", fontcolor=\"#666666\"";
    s += "];\n";
  }
  for (auto& e : g.edges) {
    s += "  " + detail::dot_quote(e.from) + " -> " + detail::dot_quote(e.to);
    if (!e.label.empty()) s += " [label=" + detail::dot_quote(e.label) + ", fontsize=9]";
    s += ";\n";
  }
  return s + "}\n";
}

/// The graph as inline SVG (Graphviz lays it out); a list of the same nodes when Graphviz is missing.
inline std::string draw(const graph& g) {
  auto svg = detail::run_dot(to_dot(g));
  if (!svg.empty()) return "<div class=\"dag\">" + svg + "</div>";
  std::string s = "<p class=\"muted\">(Graphviz's <code>dot</code> was not found: the nodes as a list)</p><ul class=\"dag\">";
  for (auto& n : g.nodes) {
    s += "<li id=\"node-" + escape(n.id) + "\" class=\"" + escape(n.classes) + "\">";
    s += n.href.empty() ? escape(n.label) : "<a href=\"" + escape(n.href) + "\">" + escape(n.label) + "</a>";
    s += "</li>";
  }
  return s + "</ul>";
}

}  // namespace mlpipe::ui
