// mlpipe/orchestrate/cwl.hpp: the DAG as a CWL v1.2 Workflow (cwltool locally, Toil on clusters): one
// CommandLineTool step per node calling the pipeline program, artifacts as Directory inputs and outputs.
#pragma once

#include <string>
#include <string_view>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/export_options.hpp>

namespace mlpipe::orchestrate {

namespace detail {
/// A CWL identifier for a node's output: its key (output ids are per step, so keys never clash there).
MLPIPE_DECL std::string cwl_id(std::string_view s);
}  // namespace detail

/// The workflow. Its inputs: `run_id` (required: one per run) and one string per --set override (its value, the
/// default being the exported one); its outputs: every node's artifacts, named NODE_KEY. The last step,
/// `mlpipe_finalize`, takes every leaf's artifacts (so it runs after all of them) and closes the run in the store.
MLPIPE_DECL std::string export_cwl(const dag& d, const export_options& o);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/cwl.ipp>
#endif
