// mlpipe/orchestrate/finalize.hpp: closes a run that an engine ran node by node: nodes that never ran are
// recorded as canceled (with the input that stopped them), executions left running as abandoned, the run as
// COMPLETE or FAILED. What every export's last step (SLURM afterany, KFP exit handler, ...) calls.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>

namespace mlpipe::metadata {
class store;
}  // namespace mlpipe::metadata

namespace mlpipe::orchestrate {

/// What finalize_run found and recorded.
struct run_closing {
  bool ok = false;                      // every node complete or cached
  std::vector<std::string> done, failed, canceled, abandoned;  // node names
};

/// Closes run `run_id` of the DAG's pipeline in the store. Safe to call twice (a canceled node stays canceled).
MLPIPE_DECL run_closing finalize_run(metadata::store& s, const dag& d, std::string_view run_id,
                                     const std::filesystem::path& root);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/finalize.ipp>
#endif
