// mlpipe/core/impl/run_result.ipp: the non-template bodies of core/run_result.hpp (inline in the header-only mode,
// compiled into libmlpipe otherwise).
#pragma once

#include <mlpipe/core/run_result.hpp>

namespace mlpipe::detail {

MLPIPE_DECL run_report make_report(const std::string& pipeline, const std::string& run_id, bool ok, const graph_view& g,
                                   const run_view& r) {
  run_report rep;
  rep.pipeline = pipeline;
  rep.run_id = run_id;
  rep.ok = ok;
  rep.nodes.reserve(g.names.size());
  for (auto i : g.order) {
    node_report n;
    n.name = std::string(g.names[i]);
    n.stage = std::string(g.stage_names[i]);
    n.state = r.states[i];
    if (r.errors) {
      n.seconds = r.seconds[i];
      n.error = r.errors[i];
      n.records = r.records[i];
      n.outputs = r.outputs[i];
    }
    rep.nodes.push_back(std::move(n));
  }
  return rep;
}

}  // namespace mlpipe::detail
