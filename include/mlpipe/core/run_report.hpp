// mlpipe/core/run_report.hpp: a run's outcome without its pipeline's type: per node its state, duration, recorded
// figures, error and saved outputs, printed as text or as a JSON summary (what `mlpipe::main` shows).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/observer.hpp>

namespace mlpipe {

enum class node_state : std::uint8_t { not_run, succeeded, failed, skipped, cached };

constexpr std::string_view to_string(node_state s) noexcept {
  switch (s) {
    case node_state::succeeded: return "succeeded";
    case node_state::failed: return "failed";
    case node_state::skipped: return "skipped";
    case node_state::cached: return "cached";
    default: return "not run";
  }
}

using records_t = std::vector<std::pair<std::string, property_value>>;

/// The outcome of run_node.
struct node_run_result {
  node_state state = node_state::not_run;
  std::string error;
  std::vector<artifact_ref> outputs;  // where each output is now (its --output path, or the store's root)
  records_t records;
  bool usage_error = false;  // the call was wrong (unknown node, port or path, an input of another type): exit 2
};

/// Where an orchestrator puts one node's artifacts (run_node): each input port's artifact directory, and the
/// directory each output (by its key, e.g. "Model") is written to.
struct node_paths {
  std::map<std::string, std::filesystem::path, std::less<>> inputs;
  std::map<std::string, std::filesystem::path, std::less<>> outputs;
};

/// One node of a run_report.
struct node_report {
  std::string name, stage;
  node_state state = node_state::not_run;
  double seconds = 0;  // executing it, or loading it from the cache
  std::string error;   // why it failed, or which input stopped it
  records_t records;   // its summary figures (for a cached node: those of the execution it reuses)
  std::vector<artifact_ref> outputs;
};

/// A run's outcome, whatever the pipeline's type: make one with make_run_report(p, result) (run_result.hpp).
struct run_report {
  std::string pipeline, run_id;
  bool ok = false;
  double seconds = 0;               // the whole run, as its caller measured it
  std::vector<node_report> nodes;   // in run order
  /// Lines an extension adds below the nodes (e.g. {"metadata store", "sqlite:md.sqlite"}); in the JSON
  /// summary they are fields of "notes".
  std::vector<std::pair<std::string, std::string>> notes;

  const node_report* find(std::string_view node) const noexcept {
    for (auto& n : nodes)
      if (n.name == node) return &n;
    return nullptr;
  }
  /// A recorded figure of a node, or nullptr.
  const property_value* record(std::string_view node, std::string_view key) const noexcept {
    if (auto n = find(node))
      for (auto& [k, v] : n->records)
        if (k == key) return &v;
    return nullptr;
  }

  /// A header line ("run ID of pipeline 'NAME' (1.2 s): 3 executed, 5 from the cache"), then one line per node:
  /// name, state, duration, figures, and the error of a node that failed or was skipped; then the notes.
  MLPIPE_DECL std::string to_text() const;
  /// {"pipeline", "run", "ok", "seconds", "nodes": [{"node", "stage", "state", "seconds", "error"?,
  /// "records": {...}, "outputs": [{"key", "type", "uri", "fingerprint"}]}], "notes": {...}}
  MLPIPE_DECL nlohmann::json to_json() const;
};

/// A figure as the report prints it: integers as they are, doubles with 4 significant digits, text as it is.
MLPIPE_DECL std::string format_property(const property_value& v);
/// A duration as people read it: "0.31 ms", "12.4 ms", "1.52 s".
MLPIPE_DECL std::string format_seconds(double seconds);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/run_report.ipp>
#endif
