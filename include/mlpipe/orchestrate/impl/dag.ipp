// mlpipe/orchestrate/impl/dag.ipp: bodies of orchestrate/dag.hpp's non-template functions (compiled once into
// libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/orchestrate/dag.hpp>

namespace mlpipe::orchestrate {

MLPIPE_DECL const dag_node* dag::find(std::string_view name) const {
  for (auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

MLPIPE_DECL std::vector<std::string> dag::consumers(std::string_view name) const {
  std::vector<std::string> r;
  for (auto& n : nodes)
    for (auto& in : n.inputs)
      if (in.producer == name && (r.empty() || r.back() != n.name)) r.push_back(n.name);
  return r;
}

MLPIPE_DECL std::vector<std::string> dag::leaves() const {
  std::vector<std::string> r;
  for (auto& n : nodes)
    if (consumers(n.name).empty()) r.push_back(n.name);
  return r;
}

MLPIPE_DECL std::vector<std::string> dag::producers(const dag_node& n) {
  std::vector<std::string> r;
  for (auto& in : n.inputs) {
    bool seen = false;
    for (auto& p : r) seen = seen || p == in.producer;
    if (!seen) r.push_back(in.producer);
  }
  return r;
}

MLPIPE_DECL dag describe_dag(const pipeline_handle& p) {
  dag d;
  d.pipeline = p.name;
  for (auto& pn : p.nodes) {
    dag_node n;
    n.name = pn.name;
    n.stage = pn.stage;
    n.version = pn.version;
    n.parameters = nlohmann::json::parse(p.parameters(pn.name));
    for (auto& o : pn.outputs) n.outputs.push_back({o.key, o.type});
    n.persistable = !n.outputs.empty();
    for (auto& port : pn.ports) n.inputs.push_back({port.name, port.producer, port.producer_output, port.type, port.optional});
    d.nodes.push_back(std::move(n));
  }
  return d;
}

MLPIPE_DECL void check_exportable(const dag& d) {
  for (auto& n : d.nodes) {
    if (!n.persistable)
      throw std::invalid_argument("node '" + n.name + "' (" + n.stage +
                                  ") returns no artifact, so it cannot run as a step of its own: make its output an "
                                  "artifact (type_name, save, load, fingerprint)");
    for (auto& in : n.inputs)
      if (in.type.empty())
        throw std::invalid_argument("node '" + n.name + "' input port '" + in.port + "' reads node '" + in.producer +
                                    "''s outputs as one value; an engine hands over one artifact per port");
  }
}

}  // namespace mlpipe::orchestrate
