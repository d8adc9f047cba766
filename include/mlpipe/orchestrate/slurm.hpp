// mlpipe/orchestrate/slurm.hpp: the DAG as a SLURM submit script: one sbatch job per node chained with
// --dependency=afterok (and --kill-on-invalid-dep=yes), then a finalizer job (afterany) that closes the run.
#pragma once

#include <string>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/export_options.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::string slurm_var(const std::string& node);
}  // namespace detail

/// A bash script that submits the run when executed (`bash FILE`, or `--submit slurm`): it prints the run id and
/// the job ids. Steps read their inputs from the store and the shared artifact root (no copies between nodes).
/// A node with ranks > 1 (a data-parallel node) runs as `mpirun -n RANKS` in an `sbatch --ntasks=RANKS` job.
MLPIPE_DECL std::string export_slurm(const dag& d, const export_options& o);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/slurm.ipp>
#endif
