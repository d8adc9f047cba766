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
#if MLPIPE_HAS_MPI
#include <mlpipe/parallel/communicator.hpp>
#endif

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

/// The pipeline program's command line. Returns the process exit code: 0 when every node succeeded,
/// 1 when a node failed, 2 on a usage error (bad option, unknown node or parameter, bad value).
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, run_options options = {}) {
  CLI::App app{"Runs the pipeline '" + p.name() + "'."};
  app.footer("Nodes (name, stage, inputs, parameters):\n" + describe_nodes(p));
  bool list = false, dot = false, mermaid = false, quiet = false;
  std::vector<std::string> sets;
  std::string run_node_name, output_dir;
  std::vector<std::string> inputs;
  std::size_t threads = options.threads;
  app.add_flag("--list", list, "List the nodes in run order and exit");
  app.add_flag("--dot", dot, "Print the DAG as Graphviz DOT and exit");
  app.add_flag("--mermaid", mermaid, "Print the DAG as a Mermaid flowchart and exit");
  app.add_option("--threads", threads, "Threads for independent nodes")->check(CLI::Range(1, 256));
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE (JSON value, or text)")->take_all();
  app.add_option("--run-node", run_node_name, "Run only this node, its inputs loaded from --input dirs");
  app.add_option("--input", inputs, "With --run-node: PRODUCER=DIR, an input artifact's directory");
  app.add_option("--output", output_dir, "With --run-node: the directory its outputs are saved to");
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app.add_subcommand("run", "Run the whole pipeline (the default)")->fallthrough();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (auto& s : sets) apply_override(p, s);
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
  if (!run_node_name.empty()) {
    std::map<std::string, std::filesystem::path, std::less<>> uris;
    for (auto& in : inputs) {
      auto eq = in.find('=');
      if (eq == std::string::npos || eq == 0) {
        std::fprintf(stderr, "--input '%s': expected PRODUCER=DIR\n", in.c_str());
        return 2;
      }
      uris[in.substr(0, eq)] = in.substr(eq + 1);
    }
#if MLPIPE_HAS_MPI
    // Under mpirun (the program links mlpipe::mpi): a data-parallel node's ranks share its rows; rank 0 writes.
    parallel::mpi_session mpi(nullptr, nullptr);
    auto world = parallel::world();
    if (world) options.collective = &*world;
    if (world && !world->is_root()) quiet = true;
#endif
    auto r = run_node(p, run_node_name, uris, output_dir, options);
    if (r.state != node_state::succeeded) {
      std::fprintf(stderr, "node '%s' failed: %s\n", run_node_name.c_str(), r.error.c_str());
      return 1;
    }
    if (!quiet)
      for (auto& o : r.outputs) std::printf("%s %s %s\n", o.key.c_str(), o.uri.c_str(), fingerprint_hex(o.fingerprint).c_str());
    return 0;
  }
  auto result = run(p, options);
  if (!quiet || !result.ok()) std::fprintf(result.ok() ? stdout : stderr, "%s", result.summary().c_str());
  return result.ok() ? 0 : 1;
}

}  // namespace mlpipe
