// mlpipe/metadata/reports.hpp: what an analyst asks of the store — runs, one run, an artifact's lineage back
// to its input files, two runs side by side, a metric across runs. Each report is a JSON value.
#pragma once

#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

namespace detail {

MLPIPE_DECL nlohmann::json to_json(const value& v);
MLPIPE_DECL nlohmann::json to_json(const properties& p, bool skip_own = false);
MLPIPE_DECL nlohmann::json artifact_json(const artifact& a);
MLPIPE_DECL nlohmann::json execution_json(const execution& e);

}  // namespace detail

/// The pipeline_run context a RUN argument names: its name, its id, "latest", or a unique prefix of its name.
MLPIPE_DECL context find_run(store& s, std::string_view run);

/// Every run, oldest first: name, pipeline, state, start and end, executions by state.
MLPIPE_DECL nlohmann::json list_runs(store& s, std::string_view pipeline = {});

/// One run: each node's execution with its parameters, summary figures, inputs and outputs.
MLPIPE_DECL nlohmann::json show_run(store& s, std::string_view run);

/// The artifact an ARTIFACT_OR_MODEL argument names: an artifact id, a URI (a path), or a type name such as
/// "model" or "Examples" (the newest LIVE artifact of that type).
MLPIPE_DECL artifact find_artifact(store& s, std::string_view what);

/// What an artifact came from: the execution that produced it, that execution's inputs, and so on back to the
/// executions that read files (their parameters name them). Executions are listed from the artifact backwards.
MLPIPE_DECL nlohmann::json lineage(store& s, std::string_view artifact_or_model);

/// Two runs side by side: for each node, its state, parameters and summary figures in both.
MLPIPE_DECL nlohmann::json compare_runs(store& s, std::string_view run_a, std::string_view run_b);

/// A summary figure across runs, oldest first: run, node, value (executions that recorded it; a CACHED
/// execution carries the figures of the one it reused).
MLPIPE_DECL nlohmann::json metric_history(store& s, std::string_view metric, std::string_view node = {});

}  // namespace mlpipe::metadata

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/reports.ipp>
#endif
