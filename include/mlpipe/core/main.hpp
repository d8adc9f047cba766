// mlpipe/core/main.hpp: `return mlpipe::main(p, argc, argv);` gives a pipeline program its command line:
// run it, list or draw its nodes, run one node, override parameters with --set node.param=value.
#pragma once

#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <mlpipe/core/draw.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>

namespace mlpipe {

/// Applies one `node.param=value` override to the pipeline. Throws parameter_error naming what is wrong.
template <node_type... Nodes>
void apply_override(pipeline_t<Nodes...>& p, std::string_view assignment) {
  auto eq = assignment.find('=');
  auto dot = assignment.find('.');
  if (eq == std::string_view::npos || dot == std::string_view::npos || dot > eq || dot == 0 || dot + 1 == eq)
    throw parameter_error("--set '" + std::string(assignment) + "': expected NODE.PARAMETER=VALUE");
  auto node = assignment.substr(0, dot);
  auto i = p.find(node);
  if (!i) {
    std::string known;
    for (auto n : p.names()) known += (known.empty() ? "" : ", ") + std::string(n);
    throw parameter_error("--set " + std::string(assignment) + ": the pipeline has no node '" + std::string(node) +
                          "' (its nodes: " + known + ")");
  }
  p.set_parameter(*i, assignment.substr(dot + 1, eq - dot - 1), assignment.substr(eq + 1),
                  "--set " + std::string(assignment) + ": node '" + std::string(node) + "'");
}

/// One line per node, in run order: name, stage, inputs, parameters as JSON.
template <node_type... Nodes>
std::string describe_nodes(const pipeline_t<Nodes...>& p) {
  using P = pipeline_t<Nodes...>;
  constexpr auto& g = P::graph::value;
  std::string s;
  for (auto i : g.order) {
    std::string line = "  " + std::string(g.names[i]);
    line.resize(std::max<std::size_t>(line.size() + 1, 18), ' ');
    line += P::stage_names[i];
    line.resize(std::max<std::size_t>(line.size() + 1, 40), ' ');
    if (g.in_begin[i + 1] > g.in_begin[i]) {
      line += "<- ";
      for (auto k = g.in_begin[i]; k < g.in_begin[i + 1]; ++k)
        line += (k > g.in_begin[i] ? ", " : "") + std::string(g.in_names[k]);
      line += "  ";
    }
    auto params = p.parameters(i);
    if (!params.empty()) line += params.dump();
    s += line + "\n";
  }
  return s;
}

/// `--input PORT=DIR` and `--output KEY=DIR` (or `--output DIR`: each output in DIR/KEY) as run_node's paths.
/// Throws parameter_error on a value that names no port or key.
template <node_type... Nodes>
node_paths parse_node_paths(const pipeline_t<Nodes...>& p, std::string_view node, const std::vector<std::string>& inputs,
                            const std::vector<std::string>& outputs) {
  (void)p;
  node_paths paths;
  for (auto& in : inputs) {
    auto eq = in.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == in.size())
      throw parameter_error("--input '" + in + "': expected PORT=DIR (an input port of node '" + std::string(node) +
                            "' and the artifact directory to read it from)");
    paths.inputs[in.substr(0, eq)] = in.substr(eq + 1);
  }
  for (auto& out : outputs) {
    auto eq = out.find('=');
    if (eq == 0 || (eq != std::string::npos && eq + 1 == out.size()))
      throw parameter_error("--output '" + out + "': expected KEY=DIR or DIR");
    if (eq != std::string::npos) {
      paths.outputs[out.substr(0, eq)] = out.substr(eq + 1);
    } else {
      using P = pipeline_t<Nodes...>;
      auto i = P::graph::value.find(node);
      if (i == detail::npos) continue;  // run_node names the unknown node
      for (auto& [key, type] : node_outputs<P>(i)) paths.outputs[key] = std::filesystem::path(out) / key;
    }
  }
  return paths;
}

/// Prints a run_node outcome (each output: key, directory, fingerprint) and gives the exit code: 0 done,
/// 1 the node failed, 2 the call was wrong.
inline int report_node_run(std::string_view node, const node_run_result& r, bool quiet) {
  if (r.state != node_state::succeeded && r.state != node_state::cached) {
    if (r.usage_error)
      std::fprintf(stderr, "--run-node: %s\n", r.error.c_str());
    else
      std::fprintf(stderr, "node '%.*s' failed: %s\n", int(node.size()), node.data(), r.error.c_str());
    return r.usage_error ? 2 : 1;
  }
  if (!quiet)
    for (auto& o : r.outputs)
      std::printf("%s %s %s%s\n", o.key.c_str(), o.uri.c_str(), fingerprint_hex(o.fingerprint).c_str(),
                  r.state == node_state::cached ? " (cached)" : "");
  return 0;
}

/// The pipeline program's command line. Returns the process exit code: 0 when every node succeeded,
/// 1 when a node failed, 2 on a usage error (bad option, unknown node or parameter, bad value).
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, run_options options = {}) {
  CLI::App app{"Runs the pipeline '" + p.name() + "'."};
  app.footer("Nodes (name, stage, inputs, parameters):\n" + describe_nodes(p));
  bool list = false, dot = false, mermaid = false, quiet = false;
  std::vector<std::string> sets;
  std::string run_node_name;
  std::vector<std::string> inputs, outputs;
  std::size_t threads = options.threads;
  app.add_flag("--list", list, "List the nodes in run order and exit");
  app.add_flag("--dot", dot, "Print the DAG as Graphviz DOT and exit");
  app.add_flag("--mermaid", mermaid, "Print the DAG as a Mermaid flowchart and exit");
  app.add_option("--threads", threads, "Threads for independent nodes")->check(CLI::Range(1, 256));
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE (JSON value, or text)")->take_all();
  app.add_option("--run-node", run_node_name, "Run only this node, its inputs loaded from --input dirs");
  app.add_option("--input", inputs, "With --run-node: PORT=DIR, the artifact directory of an input port");
  app.add_option("--output", outputs, "With --run-node: KEY=DIR, where an output goes (or DIR: each in DIR/KEY)");
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app.add_subcommand("run", "Run the whole pipeline (the default)")->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  node_paths paths;
  try {
    for (auto& s : sets) apply_override(p, s);
    if (run_node_name.empty() && !(inputs.empty() && outputs.empty()))
      throw parameter_error("--input and --output go with --run-node NAME (they name one node's ports)");
    if (!run_node_name.empty()) paths = parse_node_paths(p, run_node_name, inputs, outputs);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (list) {
    std::cout << describe_nodes(p);
    return 0;
  }
  if (dot || mermaid) {
    std::cout << (dot ? to_dot(p) : to_mermaid(p));
    return 0;
  }
  options.threads = threads;
  if (!options.log && !quiet)
    options.log = [](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "[%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    };
  if (!run_node_name.empty()) return report_node_run(run_node_name, run_node(p, run_node_name, paths, options), quiet);
  auto result = run(p, options);
  if (!quiet || !result.ok()) std::fprintf(result.ok() ? stdout : stderr, "%s", result.summary().c_str());
  return result.ok() ? 0 : 1;
}

}  // namespace mlpipe
