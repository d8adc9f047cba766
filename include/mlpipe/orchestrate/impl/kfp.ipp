// mlpipe/orchestrate/impl/kfp.ipp: bodies of orchestrate/kfp.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mlpipe/orchestrate/kfp.hpp>

namespace mlpipe::orchestrate {

MLPIPE_DECL std::string kfp_artifact_type(std::string_view mlmd_type) {
  if (mlmd_type == "Examples") return "system.Dataset";
  if (mlmd_type == "Model") return "system.Model";
  return "system.Artifact";
}

MLPIPE_DECL std::string export_kfp(const dag& d, const export_options& o) {
  using json = nlohmann::json;
  check_exportable(d);
  auto param = [](const std::string& name) { return "{{$.inputs.parameters['" + name + "']}}"; };
  auto artifact_type = [](std::string_view t) {
    return json{{"schemaTitle", kfp_artifact_type(t)}, {"schemaVersion", "0.0.1"}};
  };
  json string_param = {{"parameterType", "STRING"}};
  json parameters = json::object();  // what every component declares: run_id and the overrides
  parameters["run_id"] = string_param;
  json root_params = json::object();
  json set_args = json::array();
  for (auto& set : o.sets) {
    auto [lhs, value] = split_set(set);
    auto name = set_parameter_name(lhs);
    parameters[name] = string_param;
    root_params[name] = {{"parameterType", "STRING"}, {"defaultValue", value}, {"isOptional", true},
                         {"description", "--set " + lhs + "=VALUE"}};
    set_args.push_back("--set");
    set_args.push_back(lhs + "=" + param(name));
  }
  auto task_params = [&](bool from_parent) {  // what a task passes: its parent's parameters
    json p = json::object();
    for (auto& [name, v] : parameters.items())
      p[name] = name == "run_id" && !from_parent ? json{{"runtimeValue", {{"constant", "{{$.pipeline_job_uuid}}"}}}}
                                                  : json{{"componentInputParameter", name}};
    return p;
  };
  auto command_args = [&](const std::string& node) {
    json args = json::array();
    for (auto& a : o.args) args.push_back(a);
    for (auto& a : set_args) args.push_back(a);
    if (!node.empty()) args.insert(args.end(), {"--run-node", node});
    else args.push_back("--finalize");
    args.insert(args.end(), {"--run-id", param("run_id")});
    return args;
  };
  auto container = [&](const std::string& node) {
    json c = {{"image", o.image.empty() ? std::string("IMAGE") : o.image},
              {"command", json::array({image_command(o)})},
              {"args", command_args(node)}};
    if (auto it = o.resources.find(node); it != o.resources.end()) {
      json r = json::object();
      if (it->second.cpus) {
        r["cpuLimit"] = static_cast<double>(it->second.cpus);
        r["resourceCpuLimit"] = std::to_string(it->second.cpus);
      }
      if (it->second.mem_mib) {
        r["memoryLimit"] = static_cast<double>(it->second.mem_mib) * 1048576.0 / 1e9;  // GB
        r["resourceMemoryLimit"] = std::to_string(it->second.mem_mib) + "Mi";
      }
      if (!r.empty()) c["resources"] = r;
    }
    return c;
  };

  json components = json::object(), executors = json::object(), inner_tasks = json::object();
  for (auto& n : d.nodes) {
    auto id = dns_name(n.name);
    json comp = {{"executorLabel", "exec-" + id}};
    json in_defs = {{"parameters", parameters}};
    json task = {{"cachingOptions", {{"enableCache", false}}},
                 {"componentRef", {{"name", "comp-" + id}}},
                 {"taskInfo", {{"name", id}}}};
    json task_inputs = {{"parameters", task_params(true)}};
    json args = command_args(n.name);
    if (!n.inputs.empty()) {
      json arts = json::object(), wired = json::object();
      for (auto& i : n.inputs) {
        arts[i.port] = {{"artifactType", artifact_type(i.type)}};
        wired[i.port] = {{"taskOutputArtifact", {{"producerTask", dns_name(i.producer)}, {"outputArtifactKey", i.producer_output}}}};
        args.push_back("--input");
        args.push_back(i.port + "={{$.inputs.artifacts['" + i.port + "'].path}}");
      }
      in_defs["artifacts"] = arts;
      task_inputs["artifacts"] = wired;
      json deps = json::array();
      for (auto& p : dag::producers(n)) deps.push_back(dns_name(p));
      task["dependentTasks"] = deps;
    }
    json out_arts = json::object();
    for (auto& k : n.outputs) {
      out_arts[k.key] = {{"artifactType", artifact_type(k.type)}};
      args.push_back("--output");
      args.push_back(k.key + "={{$.outputs.artifacts['" + k.key + "'].path}}");
    }
    comp["inputDefinitions"] = in_defs;
    comp["outputDefinitions"] = {{"artifacts", out_arts}};
    task["inputs"] = task_inputs;
    components["comp-" + id] = comp;
    json c = container(n.name);
    c["args"] = args;
    executors["exec-" + id] = {{"container", c}};
    inner_tasks[id] = task;
  }
  components["comp-exit-handler-1"] = {{"dag", {{"tasks", inner_tasks}}}, {"inputDefinitions", {{"parameters", parameters}}}};
  components["comp-mlpipe-finalize"] = {{"executorLabel", "exec-mlpipe-finalize"},
                                         {"inputDefinitions", {{"parameters", parameters}}}};
  executors["exec-mlpipe-finalize"] = {{"container", container("")}};

  json root_tasks = json::object();
  root_tasks["exit-handler-1"] = {{"componentRef", {{"name", "comp-exit-handler-1"}}},
                                  {"inputs", {{"parameters", task_params(false)}}},
                                  {"taskInfo", {{"name", "exit-handler-1"}}}};
  root_tasks["mlpipe-finalize"] = {{"cachingOptions", {{"enableCache", false}}},
                                   {"componentRef", {{"name", "comp-mlpipe-finalize"}}},
                                   {"dependentTasks", json::array({"exit-handler-1"})},
                                   {"inputs", {{"parameters", task_params(false)}}},
                                   {"taskInfo", {{"name", "mlpipe-finalize"}}},
                                   {"triggerPolicy", {{"strategy", "ALL_UPSTREAM_TASKS_COMPLETED"}}}};
  json root = {{"dag", {{"tasks", root_tasks}}}};
  if (!root_params.empty()) root["inputDefinitions"] = {{"parameters", root_params}};
  json spec = {{"components", components},
               {"deploymentSpec", {{"executors", executors}}},
               {"pipelineInfo", {{"name", dns_name(d.pipeline)}, {"description", "mlpipe pipeline '" + d.pipeline + "'"}}},
               {"root", root},
               {"schemaVersion", "2.1.0"},
               {"sdkVersion", "mlpipe"}};
  std::string head = "# PIPELINE DEFINITION\n# Name: " + dns_name(d.pipeline) + "\n";
  head += "# mlpipe: each task runs `" + image_command(o) + " --run-node NODE` in image " +
          (o.image.empty() ? std::string("IMAGE (give --image)") : o.image) + "; the store is $" + o.store_env +
          " in the container (e.g. from a Kubernetes secret).\n";
  return head + to_yaml(spec);
}

}  // namespace mlpipe::orchestrate
