// mlpipe/core/observer.hpp: the hook through which a run is recorded and its nodes are served from a cache.
// The metadata store implements it; core only calls it, so core depends on no store.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/context.hpp>

namespace mlpipe {

/// What the runner tells an observer about a node.
struct node_info {
  std::string_view pipeline;      // the pipeline's name
  std::string_view name;          // the node's name, unique in the pipeline
  std::string_view stage;         // the stage's stable type name (S::name)
  int stage_version = 0;          // S::version
  const nlohmann::json* parameters = nullptr;  // the stage's parameters as a JSON object
  std::uint64_t cache_key = 0;    // hash of stage name, version, parameters and input fingerprints
};

/// One artifact handed into or out of a node. `key` is the input's producer node name for inputs and the
/// artifact's output key (its type name, e.g. "Model") for outputs; `index` is the position under that key.
/// `port` is, for inputs, the consumer's input port it fills (the stage's MLPIPE_INPUTS name).
struct artifact_ref {
  std::string key;
  std::size_t index = 0;
  std::string type_name;          // ML Metadata type, e.g. "Examples"
  std::filesystem::path uri;      // the directory the artifact was saved to (empty when kept in memory only)
  std::uint64_t fingerprint = 0;
  std::string port;
};

/// Called by run() in this order for each node that is reached:
///   [resolve_input per unwired optional input] -> find_cached -> (hit)  node_cached
///               -> (miss) node_started -> node_succeeded | node_failed
/// and node_skipped for nodes whose inputs failed. Calls for one run may come from several threads, but never
/// two at once: the runner serializes them.
class run_observer {
 public:
  virtual ~run_observer() = default;

  virtual void run_started(std::string_view pipeline, std::string_view run_id,
                           std::span<const std::string> node_names) {
    (void)pipeline, (void)run_id, (void)node_names;
  }

  /// An unwired optional input of the node (optional_input<T> with no from<...> producer): an artifact to fill
  /// it with (its `uri` is loaded with T::load; `key` defaults to the port), e.g. the last blessed model as
  /// the baseline or the previous span's statistics; nullopt leaves it empty (a first run). Called before
  /// find_cached (node.cache_key is 0 here): the artifact is then an input like the others, recorded and
  /// part of the cache key.
  virtual std::optional<artifact_ref> resolve_input(const node_info& node, std::string_view port,
                                                    std::string_view type_name) {
    (void)node, (void)port, (void)type_name;
    return std::nullopt;
  }

  /// A reusable earlier execution's outputs for this cache key: each output's directory, in output order.
  /// Return nullopt to execute the node. The runner loads the outputs with A::load(uri).
  virtual std::optional<std::vector<artifact_ref>> find_cached(const node_info& node,
                                                               std::span<const artifact_ref> inputs) {
    (void)node, (void)inputs;
    return std::nullopt;
  }

  /// The node is served from the cache (its outputs are the ones find_cached gave).
  virtual void node_cached(const node_info& node, std::span<const artifact_ref> inputs,
                           std::span<const artifact_ref> outputs) {
    (void)node, (void)inputs, (void)outputs;
  }

  /// The summary figures of the earlier execution a cached node reuses (called after node_cached), so that a
  /// run reports the same figures for a node whether it executed or came from the cache.
  virtual std::vector<std::pair<std::string, property_value>> cached_records(const node_info& node) {
    (void)node;
    return {};
  }

  /// The node starts executing. Returns the directory its outputs go to (each output in <dir>/<key>/ or
  /// <dir>/<key>-<index>/), or an empty path to keep outputs in memory. The runner writes outputs under a
  /// temporary name beside it and renames them into place only when complete.
  virtual std::filesystem::path node_started(const node_info& node, std::span<const artifact_ref> inputs) {
    (void)node, (void)inputs;
    return {};
  }

  /// The node finished; its outputs are saved (uri set) and its summary figures are given.
  virtual void node_succeeded(const node_info& node, std::span<const artifact_ref> outputs,
                              std::span<const std::pair<std::string, property_value>> records) {
    (void)node, (void)outputs, (void)records;
  }

  virtual void node_failed(const node_info& node, std::string_view error) { (void)node, (void)error; }

  /// Not run because an upstream node failed or was skipped.
  virtual void node_skipped(const node_info& node, std::string_view because_of) { (void)node, (void)because_of; }

  virtual void run_finished(bool ok) { (void)ok; }
};

}  // namespace mlpipe
