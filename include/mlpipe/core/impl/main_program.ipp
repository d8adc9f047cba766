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

MLPIPE_DECL int run_one_node(const pipeline_handle& p, const main_context& m, const std::string& node,
                             const std::vector<std::string>& inputs, const std::string& output_dir) {
  input_dirs dirs;
  for (auto& in : inputs) {
    auto eq = in.find('=');
    if (eq == std::string::npos || eq == 0) {
      std::fprintf(stderr, "--input '%s': expected PORT=DIR\n", in.c_str());
      return 2;
    }
    dirs[in.substr(0, eq)] = in.substr(eq + 1);
  }
  auto r = p.run_node(node, dirs, output_dir, m.options);
  if (m.json) {
    node_report n{.name = node, .stage = {}, .state = r.state, .seconds = 0, .error = r.error, .records = r.records,
                  .outputs = r.outputs};
    for (auto& pn : p.nodes)
      if (pn.name == node) n.stage = pn.stage;
    run_report rep{.pipeline = p.name, .run_id = m.options.run_id, .ok = r.state == node_state::succeeded,
                   .seconds = 0, .nodes = {std::move(n)}, .notes = {}};
    std::cout << rep.to_json().dump(2) << '\n';
  }
  if (r.state != node_state::succeeded) {
    std::fprintf(stderr, "node '%s' failed: %s\n", node.c_str(), r.error.c_str());
    return 1;
  }
  if (!m.quiet && !m.json)
    for (auto& o : r.outputs) std::printf("%s %s %s\n", o.key.c_str(), o.uri.c_str(), fingerprint_hex(o.fingerprint).c_str());
  return 0;
}

}  // namespace detail

MLPIPE_DECL int run_main_program(const pipeline_handle& p, int argc, const char* const* argv, main_options& o) {
  CLI::App app{o.description.empty() ? "Runs the pipeline '" + p.name + "'." : o.description};
  app.footer("Nodes (name, stage, inputs as PORT=PRODUCER, parameters):\n" + p.describe());
  bool list = false, dot = false, mermaid = false, quiet = false, json = false;
  std::vector<std::string> sets, inputs;
  std::string run_node_name, output_dir;
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
  app.add_option("--input", inputs, "With --run-node: PORT=DIR, the directory of the artifact for input port PORT");
  app.add_option("--output", output_dir, "With --run-node: the directory its outputs are saved to");
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
  main_context m{.pipeline = p, .options = options, .json = json, .quiet = quiet, .run = {}, .last = {}};
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
    if (!run_node_name.empty()) return detail::run_one_node(p, m, run_node_name, inputs, output_dir);
    return m.run();
  } catch (const usage_error& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
}

}  // namespace mlpipe
