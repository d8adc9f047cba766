// mlpipe/core/impl/main.ipp: the non-template bodies of core/main.hpp (inline in the header-only mode, compiled
// into libmlpipe otherwise).
#pragma once

#include <mlpipe/core/main.hpp>

namespace mlpipe::detail {

MLPIPE_DECL override_target find_override_target(const graph_view& g, std::string_view assignment) {
  auto eq = assignment.find('=');
  auto dot = assignment.find('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos || dot > eq || dot == 0 || dot + 1 == eq)
    throw parameter_error("--set '" + std::string(assignment) + "': expected NODE.PARAMETER=VALUE");
  auto node = assignment.substr(0, dot);
  auto it = std::find(g.names.begin(), g.names.end(), node);
  if (it == g.names.end()) {
    std::string known;
    for (auto n : g.names) known += (known.empty() ? "" : ", ") + std::string(n);
    throw parameter_error("--set " + std::string(assignment) + ": the pipeline has no node '" + std::string(node) +
                          "' (its nodes: " + known + ")");
  }
  return {static_cast<std::size_t>(it - g.names.begin()), assignment.substr(dot + 1, eq - dot - 1),
          assignment.substr(eq + 1), "--set " + std::string(assignment) + ": node '" + std::string(node) + "'"};
}

MLPIPE_DECL std::string describe_graph(const graph_view& g, const std::vector<std::string>& parameters) {
  std::string s;
  for (auto i : g.order) {
    std::string line = "  " + std::string(g.names[i]);
    line.resize(std::max<std::size_t>(line.size() + 1, 18), ' ');
    line += g.stage_names[i];
    line.resize(std::max<std::size_t>(line.size() + 1, 40), ' ');
    if (auto ports = g.inputs(i); !ports.empty()) {
      line += "<- ";
      for (auto& port : ports) {
        line += &port == ports.data() ? "" : ", ";
        if (port.name != port.producer_name)
          line += std::string(port.name) + "=" + (port.wired() ? std::string(port.producer_name) : "none");
        else
          line += port.producer_name;
      }
      line += "  ";
    }
    if (parameters[i] != "{}") line += parameters[i];
    s += line + "\n";
  }
  return s;
}

MLPIPE_DECL void describe_handle_nodes(pipeline_handle& h, const graph_view& g, const exec_tables& t) {
  for (auto i : g.order) {
    pipeline_handle::node n{std::string(g.names[i]), std::string(g.stage_names[i]), {}};
    n.version = t.ops[i].version;
    for (auto& [key, type] : t.ops[i].outputs()) n.outputs.push_back({key, type});
    for (auto k = t.in_begin[i]; k < t.in_begin[i + 1]; ++k) n.inputs.emplace_back(t.in_names[k]);
    // The wired input ports (an unwired optional one is the store's to fill), and which output of its producer
    // each reads (none when it reads several at once, or no artifact).
    for (auto q = g.port_begin[i]; q < g.port_begin[i + 1]; ++q) {
      const auto k = t.port_edge[q];
      if (k == npos) continue;
      pipeline_handle::port port{std::string(t.port_names[q]), std::string(g.names[t.producer[k]]), {}, {},
                                 g.ports[q].optional};
      auto outs = t.ops[t.producer[k]].outputs();
      auto member = t.edge_member[k];
      if (member != npos && member < outs.size()) {
        port.producer_output = outs[member].first;
        port.type = outs[member].second;
      } else if (outs.size() == 1) {
        port.producer_output = outs[0].first;
        port.type = outs[0].second;
      }
      n.ports.push_back(std::move(port));
    }
    h.nodes.push_back(std::move(n));
  }
}

}  // namespace mlpipe::detail
