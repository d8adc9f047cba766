// mlpipe/orchestrate/impl/slurm.ipp: bodies of orchestrate/slurm.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cctype>
#include <string>

#include <mlpipe/orchestrate/resources.hpp>
#include <mlpipe/orchestrate/slurm.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::string slurm_var(const std::string& node) {
  std::string v = "job_";
  for (char c : node) v += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return v;
}
}  // namespace detail

MLPIPE_DECL std::string export_slurm(const dag& d, const export_options& o) {
  check_exportable(d);
  std::string base = shell_quote(o.binary);
  for (auto& a : o.args) base += " " + shell_quote(a);
  for (auto& s : o.sets) base += " --set " + shell_quote(s);
  std::string s;
  s += "#!/bin/bash\n";
  s += "# mlpipe pipeline '" + d.pipeline + "' for SLURM: one sbatch job per node (--dependency=afterok), then a\n";
  s += "# finalizer job (afterany) that records the nodes that never ran as canceled and closes the run.\n";
  s += "# Submit with: bash THIS_FILE   (the metadata store comes from $" + o.store_env + "; a store that several\n";
  s += "# machines write must be MariaDB: " + o.store_env + "=mariadb://USER:PASSWORD@HOST:PORT/DB, set in the\n";
  s += "# environment, never in this file). Run id: $MLPIPE_RUN_ID, or a new one.\n";
  s += "set -euo pipefail\n";
  if (!o.default_store.empty())
    s += ": \"${" + o.store_env + ":=" + o.default_store + "}\"\n";
  else
    s += ": \"${" + o.store_env + ":?set " + o.store_env + " to the metadata store URL}\"\n";
  s += "export " + o.store_env + "\n";
  if (!o.run_id.empty())
    s += "run_id=" + shell_quote(o.run_id) + "\n";
  else
    s += "run_id=\"${MLPIPE_RUN_ID:-slurm-$(date -u +%Y%m%dT%H%M%SZ)-$$}\"\n";
  std::string logs = (o.root.empty() ? std::string("mlpipe-artifacts") : o.root) + "/slurm-logs";
  s += "logs=" + shell_quote(logs) + "\n";
  s += "mkdir -p \"$logs\"\n";
  s += "submit() {  # sbatch with the script on standard input; prints the job id\n";
  s += "  local id\n";
  s += "  id=$(sbatch --parsable --kill-on-invalid-dep=yes --export=ALL,MLPIPE_RUN_ID=\"$run_id\" "
       "--output=\"$logs/%x-%j.out\"";
  if (!o.workdir.empty()) s += " --chdir=" + shell_quote(o.workdir);
  s += " \"$@\")\n";
  s += "  echo \"${id%%;*}\"\n";
  s += "}\n";
  std::string all;
  for (auto& n : d.nodes) {
    auto var = detail::slurm_var(n.name);
    std::string flags = "--job-name=" + shell_quote(d.pipeline + "." + n.name);
    resources r;
    if (auto it = o.resources.find(n.name); it != o.resources.end()) r = it->second;
    if (r.cpus) flags += " --cpus-per-task=" + std::to_string(r.cpus);
    if (r.mem_mib) flags += " --mem=" + std::to_string(r.mem_mib) + "M";
    if (r.time_s) flags += " --time=" + slurm_time(r.time_s);
    if (r.ranks > 1) flags += " --ntasks=" + std::to_string(r.ranks);
    auto deps = dag::producers(n);
    if (!deps.empty()) {
      flags += " --dependency=afterok";
      for (auto& p : deps) flags += ":$" + detail::slurm_var(p);
    }
    std::string launch = r.ranks > 1 ? "mpirun -n " + std::to_string(r.ranks) + " " : "";
    s += "\n# node '" + n.name + "' (" + n.stage + ")\n";
    s += var + "=$(submit " + flags + " <<'MLPIPE_JOB'\n";
    s += "#!/bin/bash\n";
    s += "exec " + launch + base + " --run-node " + shell_quote(n.name) + " --run-id \"$MLPIPE_RUN_ID\"\n";
    s += "MLPIPE_JOB\n)\n";
    all += ":$" + var;
  }
  s += "\n# the finalizer: runs whatever happened (afterany), closes the run in the store\n";
  s += "job_mlpipe_finalize=$(submit --job-name=" + shell_quote(d.pipeline + ".mlpipe_finalize") + " --dependency=afterany" + all +
       " <<'MLPIPE_JOB'\n";
  s += "#!/bin/bash\n";
  s += "exec " + base + " --finalize --run-id \"$MLPIPE_RUN_ID\"\n";
  s += "MLPIPE_JOB\n)\n";
  s += "echo \"run $run_id\"\n";
  s += "echo \"jobs:";
  for (auto& n : d.nodes) s += " " + n.name + "=$" + detail::slurm_var(n.name);
  s += " mlpipe_finalize=$job_mlpipe_finalize\"\n";
  return s;
}

}  // namespace mlpipe::orchestrate
