// mlpipe/orchestrate/export_options.hpp: what every engine export needs besides the DAG (the program each
// step calls, its fixed arguments, --set overrides, run id, image, resources), and the quoting they share.
#pragma once

#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

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
inline std::string image_command(const export_options& o) {
  auto slash = o.binary.rfind('/');
  return slash == std::string::npos ? o.binary : o.binary.substr(slash + 1);
}

/// POSIX shell quoting: 'text' with embedded quotes as '\''. Plain words stay as they are.
inline std::string shell_quote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos);
  if (plain) return std::string(s);
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

/// A --set override as (assignment's left side, value): "model.l2=0.01" -> ("model.l2", "0.01").
inline std::pair<std::string, std::string> split_set(const std::string& s) {
  auto eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

/// An engine parameter's name for a --set override: "model.l2" -> "set_model_l2".
inline std::string set_parameter_name(const std::string& lhs) {
  std::string r = "set_";
  for (char c : lhs) r += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return r;
}

/// A node's step name for engines that allow only [a-z0-9-] (Kubeflow task names, Kubernetes pod names).
inline std::string dns_name(std::string_view s) {
  std::string r;
  for (char c : s) r += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  return r;
}

/// Writes JSON as block-style YAML (strings double-quoted, so JSON's escapes hold), as engines' files are read
/// by people too. An empty list is `[]` (cwltool rejects a null where it expects a list).
inline void to_yaml(const nlohmann::json& j, std::string& out, int indent = 0) {
  auto pad = std::string(static_cast<std::size_t>(indent), ' ');
  auto key = [](const std::string& k) {
    bool plain = !k.empty();
    for (char c : k) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
    return plain ? k : nlohmann::json(k).dump();
  };
  auto scalar = [](const nlohmann::json& v) { return v.is_string() ? v.dump() : v.dump(); };
  auto inline_value = [](const nlohmann::json& v) {
    return !(v.is_object() || v.is_array()) || v.empty();
  };
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      out += pad + key(k) + ":";
      if (inline_value(v)) {
        out += " " + (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : scalar(v)) + "\n";
      } else {
        out += "\n";
        to_yaml(v, out, indent + 2);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) {
      if (inline_value(v)) {
        out += pad + "- " + (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : scalar(v)) + "\n";
      } else {
        std::string inner;
        to_yaml(v, inner, indent + 2);
        // "- " takes the place of the first line's indentation
        out += pad + "- " + inner.substr(static_cast<std::size_t>(indent) + 2);
      }
    }
  } else {
    out += pad + scalar(j) + "\n";
  }
}

inline std::string to_yaml(const nlohmann::json& j) {
  std::string s;
  to_yaml(j, s, 0);
  return s;
}

}  // namespace mlpipe::orchestrate
