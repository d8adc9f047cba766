// mlpipe/orchestrate/impl/airflow.ipp: bodies of orchestrate/airflow.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cctype>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/orchestrate/airflow.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::string py_string(const std::string& s) { return nlohmann::json(s).dump(); }
MLPIPE_DECL std::string py_task(const std::string& node) {
  std::string v = "t_";
  for (char c : node) v += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return v;
}
}  // namespace detail

MLPIPE_DECL std::string export_airflow(const dag& d, const export_options& o) {
  check_exportable(d);
  const bool pod = !o.image.empty();
  auto args_of = [&](const std::string& node) {
    std::vector<std::string> a = o.args;
    for (auto& s : o.sets) a.insert(a.end(), {"--set", s});
    if (!node.empty()) a.insert(a.end(), {"--run-node", node});
    else a.push_back("--finalize");
    return a;
  };
  auto bash = [&](const std::string& node) {
    std::string c = shell_quote(o.binary);
    for (auto& a : args_of(node)) c += " " + shell_quote(a);
    return c + " --run-id \"{{ run_id }}\"";
  };
  auto pod_args = [&](const std::string& node) {
    std::string c = "[";
    for (auto& a : args_of(node)) c += detail::py_string(a) + ", ";
    return c + "\"--run-id\", \"{{ run_id }}\"]";
  };
  bool any_resources = false;
  for (auto& [n, r] : o.resources) any_resources = any_resources || r.cpus || r.mem_mib;
  std::string s;
  s += "# mlpipe pipeline '" + d.pipeline + "' for Airflow: one " + (pod ? "KubernetesPodOperator" : "BashOperator") +
       " per node, dependencies with >>,\n";
  s += "# and a finalizer (trigger_rule=\"all_done\") that records the nodes that never ran and closes the run.\n";
  s += "# The metadata store is $" + o.store_env + " in the " + (pod ? "pods'" : "workers'") +
       " environment (never written here).\n";
  s += "import datetime\n\n";
  s += "from airflow import DAG\n";
  if (pod) {
    s += "from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator\n";
    if (any_resources) s += "from kubernetes.client import models as k8s\n";
  } else {
    s += "from airflow.operators.bash import BashOperator\n";
  }
  s += "\nwith DAG(\n";
  s += "    dag_id=" + detail::py_string("mlpipe_" + d.pipeline) + ",\n";
  s += "    schedule=" + (o.schedule.empty() ? std::string("None") : detail::py_string(o.schedule)) + ",\n";
  s += "    start_date=datetime.datetime(2026, 1, 1, tzinfo=datetime.timezone.utc),\n";
  s += "    catchup=False,\n";
  s += "    max_active_runs=1,\n";
  s += "    tags=[\"mlpipe\"],\n";
  s += ") as dag:\n";
  auto task = [&](const std::string& node, const std::string& task_id, bool finalizer) {
    resources r;
    if (auto it = o.resources.find(node); it != o.resources.end()) r = it->second;
    std::string t = "    " + detail::py_task(finalizer ? "mlpipe_finalize" : node) + " = ";
    if (pod) {
      t += "KubernetesPodOperator(\n";
      t += "        task_id=" + detail::py_string(task_id) + ",\n";
      t += "        name=" + detail::py_string(dns_name(d.pipeline + "-" + task_id)) + ",\n";
      t += "        image=" + detail::py_string(o.image) + ",\n";
      t += "        cmds=[" + detail::py_string(image_command(o)) + "],\n";
      t += "        arguments=" + pod_args(finalizer ? "" : node) + ",\n";
      if (r.cpus || r.mem_mib) {
        t += "        container_resources=k8s.V1ResourceRequirements(limits={";
        if (r.cpus) t += "\"cpu\": " + detail::py_string(std::to_string(r.cpus)) + (r.mem_mib ? ", " : "");
        if (r.mem_mib) t += "\"memory\": " + detail::py_string(std::to_string(r.mem_mib) + "Mi");
        t += "}),\n";
      }
    } else {
      t += "BashOperator(\n";
      t += "        task_id=" + detail::py_string(task_id) + ",\n";
      t += "        bash_command=" + detail::py_string(bash(finalizer ? "" : node)) + ",\n";
      if (!o.workdir.empty()) t += "        cwd=" + detail::py_string(o.workdir) + ",\n";
    }
    if (r.time_s) t += "        execution_timeout=datetime.timedelta(seconds=" + std::to_string(r.time_s) + "),\n";
    if (finalizer) t += "        trigger_rule=\"all_done\",\n";
    return t + "    )\n";
  };
  for (auto& n : d.nodes) s += task(n.name, n.name, false);
  s += task("", "mlpipe_finalize", true);
  s += "\n";
  for (auto& n : d.nodes)
    for (auto& p : dag::producers(n)) s += "    " + detail::py_task(p) + " >> " + detail::py_task(n.name) + "\n";
  std::string leaves;
  for (auto& l : d.leaves()) leaves += (leaves.empty() ? "" : ", ") + detail::py_task(l);
  s += "    [" + leaves + "] >> " + detail::py_task("mlpipe_finalize") + "\n";
  return s;
}

}  // namespace mlpipe::orchestrate
