// mlpipe/orchestrate/dag.hpp: a pipeline's DAG as plain runtime data (nodes, stages, parameters, ports,
// artifact types), the one description every engine's export (SLURM, CWL, Kubeflow, Airflow) is written from.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
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

  MLPIPE_DECL const dag_node* find(std::string_view name) const;
  /// The nodes that read `name`'s outputs.
  MLPIPE_DECL std::vector<std::string> consumers(std::string_view name) const;
  /// The nodes nobody reads (what a finalizer waits for, with everything upstream of them).
  MLPIPE_DECL std::vector<std::string> leaves() const;
  /// The distinct producers a node waits for, in input order.
  MLPIPE_DECL static std::vector<std::string> producers(const dag_node& n);
};

/// The pipeline's DAG as data (with its current parameters, e.g. after --set overrides), from the view of it
/// that mlpipe::main gives its extensions. The one place that knows how ports are described.
MLPIPE_DECL dag describe_dag(const pipeline_handle& p);

/// Throws std::invalid_argument naming the first node an engine could not run as a process of its own.
MLPIPE_DECL void check_exportable(const dag& d);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/dag.ipp>
#endif
