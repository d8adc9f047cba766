// mlpipe/orchestrate/export_options.hpp: what every engine export needs besides the DAG (the program each
// step calls, its fixed arguments, --set overrides, run id, image, resources), and the quoting they share.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/resources.hpp>

namespace mlpipe::orchestrate {

struct export_options {
  std::string binary;                  // the pipeline program every step calls (an absolute path)
  std::vector<std::string> args;       // its arguments that make the same pipeline (e.g. `run --data F --label L`)
  std::vector<std::string> sets;       // --set NODE.PARAM=VALUE overrides, carried into every step
  std::string run_id;                  // a fixed run id; empty: a new one per engine run
  std::string root;                    // artifact root on a file system every step sees (SLURM, Airflow's bash)
  std::string workdir;                 // the directory steps start in (SLURM --chdir, Airflow cwd)
  std::string image;                   // container image (Kubeflow; Airflow's KubernetesPodOperator when set)
  std::string schedule;                // Airflow schedule (cron or preset); empty: triggered by hand
  std::string store_env = "MLPIPE_STORE";  // the environment variable naming the metadata store
  std::string default_store;           // a store URL without a password, the SLURM script's default
  std::map<std::string, orchestrate::resources, std::less<>> resources;  // per node (parse_resources)
};

/// The program's name in a container image: its file name, found on the image's PATH.
MLPIPE_DECL std::string image_command(const export_options& o);

/// POSIX shell quoting: 'text' with embedded quotes as '\''. Plain words stay as they are.
MLPIPE_DECL std::string shell_quote(std::string_view s);

/// A --set override as (assignment's left side, value): "model.l2=0.01" -> ("model.l2", "0.01").
MLPIPE_DECL std::pair<std::string, std::string> split_set(const std::string& s);

/// An engine parameter's name for a --set override: "model.l2" -> "set_model_l2".
MLPIPE_DECL std::string set_parameter_name(const std::string& lhs);

/// A node's step name for engines that allow only [a-z0-9-] (Kubeflow task names, Kubernetes pod names).
MLPIPE_DECL std::string dns_name(std::string_view s);

/// Writes JSON as block-style YAML (strings double-quoted, so JSON's escapes hold), as engines' files are read
/// by people too. An empty list is `[]` (cwltool rejects a null where it expects a list).
MLPIPE_DECL void to_yaml(const nlohmann::json& j, std::string& out, int indent = 0);

MLPIPE_DECL std::string to_yaml(const nlohmann::json& j);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/export_options.ipp>
#endif
