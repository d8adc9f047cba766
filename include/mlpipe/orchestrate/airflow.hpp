// mlpipe/orchestrate/airflow.hpp: the DAG as an Airflow DAG file: one BashOperator per node (or, with an image,
// one KubernetesPodOperator), dependencies with >>, and a finalizer (trigger_rule="all_done") closing the run.
#pragma once

#include <string>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/export_options.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::string py_string(const std::string& s);
MLPIPE_DECL std::string py_task(const std::string& node);
}  // namespace detail

/// The DAG file (Airflow 2.4+: `schedule=`). Airflow's run_id is the run's id in the store. Put the file in the
/// DAGs folder; the workers need $MLPIPE_STORE (and, for BashOperator, the artifact root) in their environment.
MLPIPE_DECL std::string export_airflow(const dag& d, const export_options& o);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/airflow.ipp>
#endif
