// mlpipe/orchestrate/kfp.hpp: the DAG as a Kubeflow Pipelines v2 PipelineSpec (the compiled YAML that
// `kfp` uploads): one container task per node, artifacts wired task to task, an exit handler closing the run.
#pragma once

#include <string>
#include <string_view>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/export_options.hpp>

namespace mlpipe::orchestrate {

/// KFP's artifact type for an ML Metadata type.
MLPIPE_DECL std::string kfp_artifact_type(std::string_view mlmd_type);

/// The PipelineSpec. The node tasks sit inside `exit-handler-1` (a DAG component); the `mlpipe-finalize` task
/// depends on it with triggerPolicy ALL_UPSTREAM_TASKS_COMPLETED, KFP's exit handler, and closes the run in the
/// store. The run id is KFP's job uuid. Each --set override is a pipeline parameter (its value; default the
/// exported one). KFP's own step cache is off on every task: mlpipe's cache decides, by its keys.
MLPIPE_DECL std::string export_kfp(const dag& d, const export_options& o);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/kfp.ipp>
#endif
