// mlpipe/orchestrate/impl/cwl.ipp: bodies of orchestrate/cwl.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cctype>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mlpipe/orchestrate/cwl.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL std::string cwl_id(std::string_view s) {
  std::string r;
  for (char c : s) r += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  return r;
}
}  // namespace detail

MLPIPE_DECL std::string export_cwl(const dag& d, const export_options& o) {
  using json = nlohmann::json;
  check_exportable(d);
  json wf;
  wf["cwlVersion"] = "v1.2";
  wf["class"] = "Workflow";
  wf["label"] = "mlpipe pipeline '" + d.pipeline + "'";
  wf["doc"] = "Each step runs one node: " + o.binary + " --run-node NODE, its inputs and outputs as Directory "
              "artifacts. The metadata store is $" + o.store_env + " (cwltool --preserve-environment " +
              o.store_env + ").";
  json inputs = json::object();
  inputs["run_id"] = {{"type", "string"}, {"doc", "the run's id in the metadata store"}};
  json set_args = json::array();
  for (auto& set : o.sets) {
    auto [lhs, value] = split_set(set);
    auto name = set_parameter_name(lhs);
    inputs[name] = {{"type", "string"}, {"default", value}, {"doc", "--set " + lhs + "=VALUE"}};
    set_args.push_back("--set");
    set_args.push_back(lhs + "=$(inputs." + name + ")");
  }
  wf["inputs"] = inputs;
  json outputs = json::object(), steps = json::object();
  auto tool_base = [&](json& tool_inputs, json& step_in) {
    tool_inputs["run_id"] = "string";
    step_in["run_id"] = "run_id";
    for (auto& set : o.sets) {
      auto name = set_parameter_name(split_set(set).first);
      tool_inputs[name] = "string";
      step_in[name] = name;
    }
  };
  auto tool_args = [&](const std::string& node) {
    json args = json::array();
    for (auto& a : o.args) args.push_back(a);
    for (auto& a : set_args) args.push_back(a);
    if (!node.empty()) args.insert(args.end(), {"--run-node", node});
    else args.push_back("--finalize");
    args.insert(args.end(), {"--run-id", "$(inputs.run_id)"});
    return args;
  };
  for (auto& n : d.nodes) {
    json tool;
    tool["class"] = "CommandLineTool";
    tool["baseCommand"] = json::array({o.binary});
    json tin = json::object(), tout = json::object(), in = json::object(), out = json::array();
    tool_base(tin, in);
    json args = tool_args(n.name);
    for (auto& i : n.inputs) {
      auto id = "in_" + detail::cwl_id(i.port);
      tin[id] = "Directory";
      in[id] = i.producer + "/" + detail::cwl_id(i.producer_output);
      args.push_back("--input");
      args.push_back(i.port + "=$(inputs." + id + ".path)");
    }
    for (auto& k : n.outputs) {
      auto id = detail::cwl_id(k.key);
      tout[id] = {{"type", "Directory"}, {"outputBinding", {{"glob", k.key}}}};
      out.push_back(id);
      args.push_back("--output");
      args.push_back(k.key + "=$(runtime.outdir)/" + k.key);
      outputs[detail::cwl_id(n.name) + "_" + id] = {{"type", "Directory"}, {"outputSource", n.name + "/" + id}};
    }
    tool["arguments"] = args;
    tool["inputs"] = tin;
    tool["outputs"] = tout;
    json req = json::object();
    if (auto it = o.resources.find(n.name); it != o.resources.end()) {
      const auto& r = it->second;
      if (r.cpus || r.mem_mib) {
        json rr = json::object();
        if (r.cpus) rr["coresMin"] = r.cpus;
        if (r.mem_mib) rr["ramMin"] = r.mem_mib;
        req["ResourceRequirement"] = rr;
      }
      if (r.time_s) req["ToolTimeLimit"] = {{"timelimit", r.time_s}};
    }
    if (!req.empty()) tool["requirements"] = req;
    steps[n.name] = {{"run", tool}, {"in", in}, {"out", out}};
  }
  // the finalizer: after every leaf (it takes their artifacts), closes the run in the store
  json tool;
  tool["class"] = "CommandLineTool";
  tool["baseCommand"] = json::array({o.binary});
  json tin = json::object(), in = json::object();
  tool_base(tin, in);
  for (auto& leaf : d.leaves())
    for (auto& k : d.find(leaf)->outputs) {
      auto id = "after_" + detail::cwl_id(leaf) + "_" + detail::cwl_id(k.key);
      tin[id] = "Directory";
      in[id] = leaf + "/" + detail::cwl_id(k.key);
    }
  tool["arguments"] = tool_args("");
  tool["inputs"] = tin;
  tool["outputs"] = json::array();
  steps["mlpipe_finalize"] = {{"run", tool}, {"in", in}, {"out", json::array()}};
  wf["outputs"] = outputs;
  wf["steps"] = steps;
  return "#!/usr/bin/env cwl-runner\n" + to_yaml(wf);
}

}  // namespace mlpipe::orchestrate
