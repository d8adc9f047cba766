// mlpipe/orchestrate/dag.hpp: a pipeline's DAG as plain runtime data (nodes, stages, parameters, ports,
// artifact types), the one description every engine's export (SLURM, CWL, Kubeflow, Airflow) is written from.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/main_program.hpp>

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

/// The pipeline's DAG as data (with its current parameters, e.g. after --set overrides), from the view of it
/// that mlpipe::main gives its extensions. The one place that knows how ports are described.
inline dag describe_dag(const pipeline_handle& p) {
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
