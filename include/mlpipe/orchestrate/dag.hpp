// mlpipe/orchestrate/dag.hpp: a pipeline's DAG as plain runtime data (nodes, stages, parameters, ports,
// artifact types), the one description every engine's export (SLURM, CWL, Kubeflow, Airflow) is written from.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>

namespace mlpipe::orchestrate {

/// One input port of a node: which node's output (by key) it reads, and its ML Metadata type.
struct dag_input {
  std::string port;             // what --input PORT=DIR names
  std::string producer;         // the producing node
  std::string producer_output;  // that node's output key (e.g. "Examples", or a member name)
  std::string type;             // ML Metadata type, e.g. "Examples"
  bool optional = false;        // may be absent (then the port is not passed)
};

/// One output of a node: its key (what --output KEY=DIR names) and ML Metadata type.
struct dag_output {
  std::string key;
  std::string type;
};

struct dag_node {
  std::string name, stage;
  int version = 0;              // the stage's version (part of its cache key)
  nlohmann::json parameters;    // the stage's parameters as the run records them
  std::vector<dag_input> inputs;
  std::vector<dag_output> outputs;
  bool persistable = true;      // its output is artifacts (else it cannot run as a process of its own)
};

/// The DAG: nodes in a topological order (producers first).
struct dag {
  std::string pipeline;
  std::vector<dag_node> nodes;

  const dag_node* find(std::string_view name) const {
    for (auto& n : nodes)
      if (n.name == name) return &n;
    return nullptr;
  }
  /// The nodes that read `name`'s outputs.
  std::vector<std::string> consumers(std::string_view name) const {
    std::vector<std::string> r;
    for (auto& n : nodes)
      for (auto& in : n.inputs)
        if (in.producer == name && (r.empty() || r.back() != n.name)) r.push_back(n.name);
    return r;
  }
  /// The nodes nobody reads (what a finalizer waits for, with everything upstream of them).
  std::vector<std::string> leaves() const {
    std::vector<std::string> r;
    for (auto& n : nodes)
      if (consumers(n.name).empty()) r.push_back(n.name);
    return r;
  }
  /// The distinct producers a node waits for, in input order.
  static std::vector<std::string> producers(const dag_node& n) {
    std::vector<std::string> r;
    for (auto& in : n.inputs) {
      bool seen = false;
      for (auto& p : r) seen = seen || p == in.producer;
      if (!seen) r.push_back(in.producer);
    }
    return r;
  }
};

/// The pipeline's DAG as data (with its current parameters, e.g. after --set overrides).
template <node_type... Nodes>
dag describe_dag(const pipeline_t<Nodes...>& p) {
  using P = pipeline_t<Nodes...>;
  constexpr auto& g = P::graph::value;
  dag d;
  d.pipeline = p.name();
  for (auto i : g.order) {
    dag_node n;
    n.name = std::string(g.names[i]);
    n.stage = std::string(P::stage_names[i]);
    n.version = detail::pipeline_ops<P>::ops[i].version;
    n.parameters = p.parameters(i);
    for (auto& [key, type] : node_outputs<P>(i)) n.outputs.push_back({key, type});
    n.persistable = !n.outputs.empty();
    for (auto k = g.in_begin[i]; k < g.in_begin[i + 1]; ++k) {
      auto producer = g.producer[k];
      dag_input in;
      in.port = std::string(detail::input_port<P>(k));
      in.producer = std::string(g.names[producer]);
      auto outs = node_outputs<P>(producer);
      auto member = detail::pipeline_ops<P>::edge_member[k];
      if (member != detail::npos && member < outs.size()) {
        in.producer_output = outs[member].first;
        in.type = outs[member].second;
      } else if (outs.size() == 1) {
        in.producer_output = outs[0].first;
        in.type = outs[0].second;
      }  // else: reads several artifacts at once or no artifact; check_exportable says so
      n.inputs.push_back(std::move(in));
    }
    d.nodes.push_back(std::move(n));
  }
  return d;
}

/// Throws std::invalid_argument naming the first node an engine could not run as a process of its own.
inline void check_exportable(const dag& d) {
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
