// mlpipe/metadata/recorder.hpp: records every run in the metadata store and serves unchanged nodes from it.
// A run_observer: contexts pipeline / pipeline_run / node, one execution per node, artifacts, events, caching.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

/// Names mlpipe uses in the store (context types and its own custom properties).
namespace names {
inline constexpr std::string_view pipeline = "pipeline";
inline constexpr std::string_view pipeline_run = "pipeline_run";
inline constexpr std::string_view node = "node";
inline constexpr std::string_view cache_key = "mlpipe_cache_key";
inline constexpr std::string_view stage_version = "mlpipe_stage_version";
inline constexpr std::string_view run = "mlpipe_run";
inline constexpr std::string_view node_name = "mlpipe_node";
inline constexpr std::string_view pipeline_name = "mlpipe_pipeline";
inline constexpr std::string_view host = "mlpipe_host";
inline constexpr std::string_view pid = "mlpipe_pid";
inline constexpr std::string_view error = "mlpipe_error";
inline constexpr std::string_view cached_from = "mlpipe_cached_from";
inline constexpr std::string_view skipped_because = "mlpipe_skipped_because";
inline constexpr std::string_view abandoned = "mlpipe_abandoned";
inline constexpr std::string_view state = "mlpipe_state";
inline constexpr std::string_view end_time = "mlpipe_end_time_ms";
inline constexpr std::string_view fingerprint = "fingerprint";
}  // namespace names

namespace detail {
MLPIPE_DECL std::string host_name();
MLPIPE_DECL bool process_alive(std::int64_t pid);
/// An integer as a property value: ML Metadata's int_value is 32 bits on MySQL, so larger values become a
/// double when exact, else a string (the same on both backends, so a store's meaning does not depend on it).
MLPIPE_DECL value int_property(std::int64_t v);
MLPIPE_DECL value json_property(const nlohmann::json& j);
MLPIPE_DECL std::string prop_string(const properties& p, std::string_view k);
MLPIPE_DECL std::uint64_t parse_hex(std::string_view s);
}  // namespace detail

/// Records runs into a store. Give it to run() as its observer:
///   auto st = mlpipe::open_store(url); mlpipe::metadata_recorder rec(*st, "artifacts");
/// Outputs go to `<root>/<pipeline>/<node>/<execution id>/`.
class recorder : public run_observer {
 public:
  recorder(store& s, std::filesystem::path root) : s_(s), root_(std::move(root)) {}

  /// Turns reuse of earlier executions off (`--no-cache`); executions are still recorded.
  void set_cache(bool on) { cache_ = on; }
  /// Never serve this node from the cache.
  void disable_cache_for(std::string node) { no_cache_.insert(std::move(node)); }

  const std::string& run_id() const noexcept { return run_id_; }
  /// The pipeline_run context's id (0 before the run started).
  std::int64_t run_context_id() const noexcept { return run_ctx_.id; }
  /// How many executions the last run_started marked abandoned.
  std::size_t abandoned_count() const noexcept { return abandoned_; }

  void run_started(std::string_view pipeline, std::string_view run_id, std::span<const std::string> node_names) override;

  /// Joins run `run_id` of `pipeline` instead of starting a run: an orchestrator runs each node in a process
  /// of its own (on any machine), and their executions all go under this one pipeline_run context. The
  /// context carries no host or pid, so no process takes it for a dead local run; the engine's finalizer
  /// closes it (finalize_run). Call before run_node.
  void join_run(std::string_view pipeline, std::string_view run_id);

  /// What node `node` of the current run produced under output `key`: its directory and fingerprint, from
  /// its newest complete or cached execution in this run; nullopt when it has none.
  std::optional<artifact_ref> run_output(std::string_view node, std::string_view key);

  std::optional<std::vector<artifact_ref>> find_cached(const node_info& node, std::span<const artifact_ref>) override;

  void node_cached(const node_info& node, std::span<const artifact_ref> inputs,
                   std::span<const artifact_ref> outputs) override;

  /// An artifact for an unwired optional input of a node that decides blessings (its executions record
  /// `blessed`): the input of type `type_name` that the node's newest blessed execution took as its candidate
  /// (another port than this one), e.g. the last blessed model as the baseline of an evaluation. nullopt on a
  /// first run, when nothing was blessed yet, or when that artifact's files are gone.
  std::optional<artifact_ref> last_blessed_input(const node_info& node, std::string_view port,
                                                 std::string_view type_name);

  /// The figures of the execution a cached node reuses (as node_cached copied them).
  std::vector<std::pair<std::string, property_value>> cached_records(const node_info& node) override;

  std::filesystem::path node_started(const node_info& node, std::span<const artifact_ref> inputs) override;

  void node_succeeded(const node_info& node, std::span<const artifact_ref> outputs,
                      std::span<const std::pair<std::string, property_value>> records) override;

  void node_failed(const node_info& node, std::string_view error) override;

  void node_skipped(const node_info& node, std::string_view because_of) override;

  void run_finished(bool ok) override;

  /// Marks what dead runs of this pipeline left RUNNING (on this host) as abandoned: executions CANCELED,
  /// their output artifacts ABANDONED, their runs' state ABANDONED. Also closes, on any host, executions still
  /// RUNNING in runs of this pipeline that recorded their end (COMPLETE, FAILED, ABANDONED: a run ends after
  /// its nodes, so nothing of it still runs; a recorder of an older mlpipe could leave them). Returns how many
  /// executions it marked.
  std::size_t abandon_stale(std::string_view pipeline);

 private:
  // Ends a RUNNING execution in `state` with its error (the execution's other properties stay).
  void finish_execution(const execution& running, execution_state state, const std::string& error);

  // A RUNNING execution nobody will finish: CANCELED, marked abandoned; its outputs ABANDONED.
  /// Marks a RUNNING execution abandoned; false when it is no longer RUNNING. The state is checked by the
  /// UPDATE itself: a MariaDB transaction reads a snapshot, and the process that owns the execution may have
  /// completed it (and exited) since this one read it RUNNING.
  bool abandon(const execution& e);

  static std::string node_context_name(const node_info& node);

  static std::string new_run_id();

  void ensure_run(std::string_view pipeline);

  void begin_run(std::string_view pipeline, std::string_view run_id, std::size_t nodes);

  std::vector<context> contexts_for(const node_info& node);

  execution new_execution(const node_info& node, execution_state st);

  static event make_event(event_type t, const std::string& key, std::size_t index);

  // An input is an artifact some node of this run produced (matched by URI, else by type), else the newest
  // artifact stored with its URI, else a new artifact recorded now.
  artifact find_or_make_artifact(const artifact_ref& ref);
  static artifact artifact_with_id(std::int64_t id);

  std::vector<store::artifact_and_event> input_items(std::span<const artifact_ref> inputs);

  store& s_;
  std::filesystem::path root_;
  bool cache_ = true, joined_ = false;
  std::set<std::string> no_cache_;
  std::mutex m_;
  std::string pipeline_, run_id_;
  context pipeline_ctx_, run_ctx_;
  std::map<std::string, context> node_ctx_;
  std::map<std::string, execution> running_;
  std::map<std::string, std::vector<std::pair<artifact_ref, std::int64_t>>> outputs_;
  std::map<std::string, std::int64_t> cached_from_;
  std::map<std::string, std::vector<std::pair<std::string, property_value>>> cached_records_;
  std::size_t abandoned_ = 0;
};

}  // namespace mlpipe::metadata

namespace mlpipe {
using metadata_recorder = metadata::recorder;
}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/recorder.ipp>
#endif
