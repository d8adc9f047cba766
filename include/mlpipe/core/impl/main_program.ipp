// mlpipe/core/impl/main_program.ipp: the body of run_main_program (parsing with CLI11, modes, the report), compiled
// once, with no pipeline type in it.
#pragma once

#include <chrono>
#include <cstdio>
#include <exception>
#include <iostream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/main_program.hpp>

namespace mlpipe {

namespace detail {

/// `--input PORT=DIR` and `--output KEY=DIR` (or `--output DIR`: each output in DIR/KEY) as run_node's paths.
MLPIPE_DECL node_paths parse_node_paths(const pipeline_handle& p, const std::string& node,
                                        const std::vector<std::string>& inputs, const std::vector<std::string>& outputs) {
  node_paths paths;
  for (auto& in : inputs) {
    auto eq = in.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == in.size())
      throw usage_error("--input '" + in + "': expected PORT=DIR (an input port of node '" + node +
                        "' and the artifact directory to read it from)");
    paths.inputs[in.substr(0, eq)] = in.substr(eq + 1);
  }
  for (auto& out : outputs) {
    auto eq = out.find('=');
    if (eq == 0 || (eq != std::string::npos && eq + 1 == out.size()))
      throw usage_error("--output '" + out + "': expected KEY=DIR or DIR");
    if (eq != std::string::npos) {
      paths.outputs[out.substr(0, eq)] = out.substr(eq + 1);
      continue;
    }
    for (auto& n : p.nodes)
      if (n.name == node)
        for (auto& o : n.outputs) paths.outputs[o.key] = std::filesystem::path(out) / o.key;
  }
  return paths;
}

MLPIPE_DECL int run_one_node(const pipeline_handle& p, const main_context& m) {
  const std::string& node = m.run_node;
  auto r = p.run_node(node, m.paths, m.options);
  const bool ok = r.state == node_state::succeeded || r.state == node_state::cached;
  if (m.json) {
    node_report n{.name = node, .stage = {}, .state = r.state, .seconds = 0, .error = r.error, .records = r.records,
                  .outputs = r.outputs};
    for (auto& pn : p.nodes)
      if (pn.name == node) n.stage = pn.stage;
    run_report rep{.pipeline = p.name, .run_id = m.options.run_id, .ok = ok, .seconds = 0, .nodes = {std::move(n)},
                   .notes = {}};
    std::cout << rep.to_json().dump(2) << '\n';
  }
  if (!ok) {
    if (r.usage_error)
      std::fprintf(stderr, "--run-node: %s\n", r.error.c_str());
    else
      std::fprintf(stderr, "node '%s' failed: %s\n", node.c_str(), r.error.c_str());
    return r.usage_error ? 2 : 1;
  }
  if (!m.quiet && !m.json)
    for (auto& o : r.outputs)
      std::printf("%s %s %s%s\n", o.key.c_str(), o.uri.c_str(), fingerprint_hex(o.fingerprint).c_str(),
                  r.state == node_state::cached ? " (cached)" : "");
  return 0;
}

}  // namespace detail

MLPIPE_DECL int run_main_program(const pipeline_handle& p, int argc, const char* const* argv, main_options& o) {
  CLI::App app{o.description.empty() ? "Runs the pipeline '" + p.name + "'." : o.description};
  app.footer("Nodes (name, stage, inputs as PORT=PRODUCER, parameters):\n" + p.describe());
  bool list = false, dot = false, mermaid = false, quiet = false, json = false;
  std::vector<std::string> sets, inputs, outputs;
  std::string run_node_name;
  std::size_t threads = o.run.threads;
  app.add_flag("--list", list, "List the nodes in run order and exit");
  app.add_flag("--dot", dot, "Print the DAG as Graphviz DOT and exit");
  app.add_flag("--mermaid", mermaid, "Print the DAG as a Mermaid flowchart and exit");
  app.add_option("--threads", threads, "Threads for independent nodes")
      ->check(CLI::Range(std::size_t{1}, max_threads))
      ->capture_default_str();
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE (JSON value, or text)")->take_all();
  std::vector<std::string> shortcut_values(o.parameter_options.size());
  for (std::size_t i = 0; i < o.parameter_options.size(); ++i) {
    auto& po = o.parameter_options[i];
    app.add_option(po.flag, shortcut_values[i], po.help.empty() ? "Sets " + po.parameter : po.help + " (sets " + po.parameter + ")");
  }
  app.add_option("--run-node", run_node_name, "Run only this node, its inputs loaded from --input dirs");
  app.add_option("--input", inputs, "With --run-node: PORT=DIR, the artifact directory of an input port");
  app.add_option("--output", outputs, "With --run-node: KEY=DIR, where an output goes (or DIR: each in DIR/KEY)");
  app.add_flag("--json", json, "Print the outcome as a JSON document (the nodes' states, durations, figures, outputs)");
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  app.add_subcommand("run", "Run the whole pipeline (the default)")->fallthrough();
  for (auto* e : o.extensions) e->add_options(app);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    for (std::size_t i = 0; i < o.parameter_options.size(); ++i)
      if (app.count(o.parameter_options[i].flag) > 0)
        p.set_parameter(o.parameter_options[i].parameter + "=" + shortcut_values[i]);
    for (auto& s : sets) p.set_parameter(s);
    if (run_node_name.empty() && !(inputs.empty() && outputs.empty()))
      throw usage_error("--input and --output go with --run-node NAME (they name one node's ports)");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (list) {
    std::cout << p.describe();
    return 0;
  }
  if (dot || mermaid) {
    std::cout << (dot ? p.dot() : p.mermaid());
    return 0;
  }

  run_options options = o.run;
  options.threads = threads;
  if (!options.log && !quiet)
    options.log = [](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "  [%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    };
  options.time_nodes = true;
  main_context m{.pipeline = p, .options = options, .json = json, .quiet = quiet, .run_node = run_node_name,
                 .paths = {}, .run = {}, .last = {}};
  try {
    if (!run_node_name.empty()) m.paths = detail::parse_node_paths(p, run_node_name, inputs, outputs);
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  m.run = [&]() -> int {
    for (auto* e : o.extensions) e->before_run(m);
    auto start = std::chrono::steady_clock::now();
    run_report rep = p.run(m.options);
    rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    for (auto* e : o.extensions) e->after_run(m, rep);
    if (m.json) {
      auto summary = rep.to_json();
      for (auto* e : o.extensions) e->add_to_summary(rep, summary);
      std::cout << summary.dump(2) << '\n' << std::flush;
    } else if (!m.quiet || !rep.ok) {
      std::fputs(rep.to_text().c_str(), rep.ok ? stdout : stderr);
      std::fflush(rep.ok ? stdout : stderr);
    }
    m.last = std::move(rep);
    return m.last->ok ? 0 : 1;
  };
  try {
    for (auto* e : o.extensions) e->configure(m);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  try {
    for (auto* e : o.extensions)
      if (auto code = e->mode(m)) return *code;
    if (!run_node_name.empty()) return detail::run_one_node(p, m);
    return m.run();
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}

}  // namespace mlpipe
