// mlpipe/core/draw.hpp: the DAG as text for people and tools: Graphviz DOT (`to_dot`) and Mermaid (`to_mermaid`).
// Each node shows its name and its stage; edges go from producer to consumer.
#pragma once

#include <string>
#include <string_view>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/stage.hpp>

namespace mlpipe {

namespace detail {
/// The DOT and Mermaid texts of a graph (non-template: compiled once, whatever the pipeline).
MLPIPE_DECL std::string draw_dot(std::string_view pipeline_name, const graph_view& g);
MLPIPE_DECL std::string draw_mermaid(const graph_view& g);
}  // namespace detail

/// Graphviz DOT: `dot -Tsvg` draws it.
template <node_type... Nodes>
std::string to_dot(const pipeline_t<Nodes...>& p) {
  return detail::draw_dot(p.name(), p.view());
}

/// Mermaid flowchart (renders in Markdown on common forges).
template <node_type... Nodes>
std::string to_mermaid(const pipeline_t<Nodes...>& p) {
  return detail::draw_mermaid(p.view());
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/draw.ipp>
#endif
