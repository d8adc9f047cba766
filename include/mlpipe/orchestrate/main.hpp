// mlpipe/orchestrate/main.hpp: a pipeline program's command line with a metadata store and the engines:
// `--run-node` recorded under `--run-id`, `--export kfp|cwl|airflow|slurm`, `--submit slurm`, `--finalize`, `--watch`.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include <mlpipe/core/draw.hpp>
#include <mlpipe/core/main.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/orchestrate/airflow.hpp>
#include <mlpipe/orchestrate/cwl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/finalize.hpp>
#include <mlpipe/orchestrate/kfp.hpp>
#include <mlpipe/orchestrate/resources.hpp>
#include <mlpipe/orchestrate/slurm.hpp>
#include <mlpipe/orchestrate/watch.hpp>

namespace mlpipe::orchestrate {

/// The orchestration flags (added to a command line by add_flags).
struct flags {
  std::string run_id, export_kind, export_file, submit, image, schedule;
  std::vector<std::string> resources;
  bool finalize = false, watch = false;
  std::size_t max_runs = 0;
  double poll = 1.0;
};

/// Where runs are recorded: what the metadata-aware command line gives.
struct store_settings {
  std::string url = metadata::default_store_url();
  std::string root = "mlpipe-artifacts";
  bool no_cache = false;
};

inline void add_flags(CLI::App& app, flags& f) {
  app.add_option("--run-id", f.run_id, "The run this process records into (with --run-node, --finalize, --export)");
  app.add_option("--export", f.export_kind, "Write the DAG for an engine, each node a call of this program, and exit")
      ->check(CLI::IsMember({"kfp", "cwl", "airflow", "slurm"}));
  app.add_option("--export-file", f.export_file, "With --export: the file to write (default: standard output)");
  app.add_option("--submit", f.submit, "Submit the run to an engine (one job per node) and exit")
      ->check(CLI::IsMember({"slurm"}));
  app.add_option("--resources", f.resources,
                 "Per node resources for --export/--submit: NODE:cpus=4,mem=8G,time=1h,ranks=2 (NODE * for all)");
  app.add_option("--image", f.image, "Container image of this program (Kubeflow; Airflow's KubernetesPodOperator)");
  app.add_option("--schedule", f.schedule, "Airflow schedule of the exported DAG (cron or @daily; default: none)");
  app.add_flag("--finalize", f.finalize, "Close run --run-id: nodes that never ran canceled, the run failed or complete");
  app.add_flag("--watch", f.watch, "Run on the newest span, then on every new span of the {SPAN} pattern");
  app.add_option("--max-runs", f.max_runs, "With --watch: stop after N runs (the first one counts)");
  app.add_option("--poll", f.poll, "With --watch: seconds between looks at the pattern")->check(CLI::Range(0.01, 86400.0));
}

namespace detail {

inline void check_run_id(const std::string& id) {
  for (unsigned char c : id)
    if (c <= ' ' || c == '\'' || c == '"' || c == '\\' || c == '$' || c == '`' || c == '/' || c >= 0x7f)
      throw parameter_error("--run-id '" + id + "': letters, digits and . _ - : + only");
}

/// The program's own arguments that shape the pipeline (what every engine step repeats), without the ones
/// the export decides itself; --set overrides apart (engines carry them as parameters).
inline void engine_args(int argc, const char* const* argv, std::vector<std::string>& args, std::vector<std::string>& sets) {
  static const std::vector<std::string_view> with_value = {
      "--export", "--export-file", "--submit", "--resources", "--image", "--schedule", "--run-id", "--store",
      "--root", "--max-runs", "--poll", "--run-node", "--input", "--output"};
  static const std::vector<std::string_view> flags_only = {"--watch", "--finalize", "--list", "--dot", "--mermaid"};
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    auto name = a.substr(0, a.find('='));
    bool inline_value = name.size() < a.size();
    if (name == "--set") {
      if (inline_value) sets.emplace_back(a.substr(name.size() + 1));
      else
        while (i + 1 < argc && argv[i + 1][0] != '-') sets.emplace_back(argv[++i]);
      continue;
    }
    if (std::find(with_value.begin(), with_value.end(), name) != with_value.end()) {
      if (!inline_value) ++i;
      continue;
    }
    if (std::find(flags_only.begin(), flags_only.end(), name) != flags_only.end()) continue;
    args.emplace_back(a);
  }
}

inline std::unique_ptr<metadata::store> open_store_at(const std::string& url) {
  try {
    auto u = metadata::parse_store_url(url);
    if (u.kind == metadata::dialect::sqlite)
      if (auto parent = std::filesystem::path(u.path).parent_path(); !parent.empty())
        std::filesystem::create_directories(parent);
    return metadata::open_store(url);
  } catch (const std::exception& e) {
    throw parameter_error("--store " + url + ": " + e.what());
  }
}

/// The store URL an exported file may carry as its default: a SQLite file made absolute; nothing for a URL
/// with a password (the environment variable must give it).
inline std::string store_default(const std::string& url) {
  auto u = metadata::parse_store_url(url);
  if (u.kind == metadata::dialect::sqlite) return "sqlite:" + std::filesystem::absolute(u.path).string();
  return u.password.empty() ? url : std::string();
}

inline std::string self_path(const char* argv0) {
  std::error_code ec;
  auto p = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) return p.string();
  return std::filesystem::absolute(argv0).string();
}

inline int fail(const std::string& what, int code = 2) {
  std::fprintf(stderr, "%s\n", what.c_str());
  return code;
}
}  // namespace detail

/// `--export KIND` (and `--submit slurm`): the engine's file for the DAG, to --export-file or standard output.
template <node_type... Nodes>
int export_command(pipeline_t<Nodes...>& p, const flags& f, const store_settings& st, int argc, const char* const* argv) {
  auto d = describe_dag(p);
  export_options o;
  o.binary = detail::self_path(argv[0]);
  detail::engine_args(argc, argv, o.args, o.sets);
  o.root = std::filesystem::absolute(st.root).string();
  o.args.insert(o.args.end(), {"--root", o.root});
  o.workdir = std::filesystem::current_path().string();
  o.run_id = f.run_id;
  o.image = f.image;
  o.schedule = f.schedule;
  o.default_store = detail::store_default(st.url);
  o.resources = parse_resources(f.resources, d);
  std::string kind = f.submit.empty() ? f.export_kind : f.submit;
  std::string text = kind == "slurm" ? export_slurm(d, o)
                     : kind == "cwl" ? export_cwl(d, o)
                     : kind == "kfp" ? export_kfp(d, o)
                                     : export_airflow(d, o);
  std::string file = f.export_file;
  if (!f.submit.empty() && file.empty()) {
    std::filesystem::create_directories(o.root);
    file = o.root + "/" + d.pipeline + "-submit-" + std::to_string(::getpid()) + ".sh";
  }
  if (file.empty()) {
    std::cout << text;
    return 0;
  }
  {
    std::ofstream out(file);
    out << text;
    if (!out) return detail::fail("--export-file " + file + ": cannot write it");
  }
  if (kind == "slurm")
    std::filesystem::permissions(file, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  if (f.submit.empty()) return 0;
  if (std::system("command -v sbatch >/dev/null 2>&1") != 0)
    return detail::fail("--submit slurm: sbatch is not on PATH (is this a SLURM submit host?); the script is " + file);
  int rc = std::system(("bash " + shell_quote(file)).c_str());
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : 1;
}

/// `--finalize --run-id ID`: closes the run; exit 0 when every node completed, 1 when not (so the engine
/// shows the run failed).
template <node_type... Nodes>
int finalize_command(pipeline_t<Nodes...>& p, const flags& f, const store_settings& st, bool quiet) {
  if (f.run_id.empty()) return detail::fail("--finalize needs --run-id ID (the run to close)");
  auto s = detail::open_store_at(st.url);
  auto r = finalize_run(*s, describe_dag(p), f.run_id, st.root);
  auto line = [](const char* what, const std::vector<std::string>& v) {
    std::string s;
    for (auto& n : v) s += (s.empty() ? "" : ", ") + n;
    return v.empty() ? std::string() : std::string("  ") + what + ": " + s + "\n";
  };
  if (!quiet || !r.ok)
    std::fprintf(r.ok ? stdout : stderr, "run %s of '%s': %s\n%s%s%s%s", f.run_id.c_str(), p.name().c_str(),
                 r.ok ? "COMPLETE" : "FAILED", line("done", r.done).c_str(), line("failed", r.failed).c_str(),
                 line("canceled (never ran)", r.canceled).c_str(), line("abandoned (job ended mid-node)", r.abandoned).c_str());
  return r.ok ? 0 : 1;
}

/// `--run-node NAME [--input PORT=DIR] [--output KEY=DIR] --run-id ID`: one node recorded into run ID; an
/// input without --input is the artifact its producer recorded in the same run.
template <node_type... Nodes>
int run_node_command(pipeline_t<Nodes...>& p, const std::string& node, node_paths paths, const flags& f,
                     const store_settings& st, run_options options, bool quiet) {
  auto d = describe_dag(p);
  const dag_node* n = d.find(node);
  if (!n) return report_node_run(node, run_node(p, node, paths, options), quiet);  // names the nodes
  auto s = detail::open_store_at(st.url);
  metadata::recorder rec(*s, st.root);
  rec.set_cache(!st.no_cache);
  std::string run_id = f.run_id.empty() ? make_run_id() : f.run_id;
  rec.join_run(p.name(), run_id);
  for (auto& in : n->inputs) {
    if (paths.inputs.count(in.port)) continue;
    auto found = rec.run_output(in.producer, in.producer_output);
    if (!found)
      return detail::fail("--run-node: node '" + node + "': input port '" + in.port + "': no --input " + in.port +
                          "=DIR given, and run " + run_id + " has no " + in.producer_output + " output of node '" +
                          in.producer + "' in the store (" + st.url + "); run that node first, with the same --run-id");
    paths.inputs[in.port] = found->uri;
  }
  options.observer = &rec;
  options.run_id = run_id;
  return report_node_run(node, run_node(p, node, paths, options), quiet);
}

/// The whole pipeline recorded in the store; prints the summary. Exit 0 when every node succeeded or was cached.
template <node_type... Nodes>
int run_recorded(pipeline_t<Nodes...>& p, metadata::store& s, const store_settings& st, run_options options, bool quiet,
                 run_observer* wrap = nullptr) {
  metadata::recorder rec(s, st.root);
  rec.set_cache(!st.no_cache);
  stopping_observer stopper(rec);
  options.observer = wrap ? wrap : &stopper;
  auto r = run(p, options);
  if (!quiet || !r.ok())
    std::fprintf(r.ok() ? stdout : stderr, "run %s of '%s':\n%s", rec.run_id().c_str(), p.name().c_str(), r.summary().c_str());
  return r.ok() ? 0 : 1;
}

/// `--watch`: the pipeline's {SPAN} pattern is the first node parameter named "pattern" that holds {SPAN}.
template <node_type... Nodes>
int watch_command(pipeline_t<Nodes...>& p, const flags& f, const store_settings& st, run_options options, bool quiet) {
  auto d = describe_dag(p);
  std::string pattern, reader;
  for (auto& n : d.nodes)
    if (n.parameters.is_object() && n.parameters.contains("pattern") && n.parameters["pattern"].is_string() &&
        n.parameters["pattern"].template get<std::string>().find("{SPAN}") != std::string::npos) {
      pattern = n.parameters["pattern"].template get<std::string>();
      reader = n.name;
      break;
    }
  if (pattern.empty()) return detail::fail("--watch: no node of '" + p.name() + "' reads a {SPAN} pattern (a parameter 'pattern' with {SPAN})");
  auto s = detail::open_store_at(st.url);
  watch_settings w;
  w.pattern = pattern;
  w.max_runs = f.max_runs;
  w.poll = std::chrono::milliseconds(static_cast<long>(f.poll * 1000));
  w.has_run = [&](std::int64_t span) {
    // a complete (or cached) execution of the reading node on that span
    auto ctx = s->get_context(metadata::names::node, p.name() + "." + reader);
    if (!ctx) return false;
    for (auto& e : s->get_executions_by_context(ctx->id)) {
      if (e.state != metadata::execution_state::complete && e.state != metadata::execution_state::cached) continue;
      if (auto it = e.custom_properties.find("span"); it != e.custom_properties.end() && metadata::to_text(it->second) == std::to_string(span))
        return true;
    }
    return false;
  };
  w.run_span = [&](std::int64_t) {
    try {
      return run_recorded(p, *s, st, options, quiet);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
  };
  if (!quiet) w.log = [](const std::string& line) { std::fprintf(stderr, "watch: %s\n", line.c_str()); };
  auto r = watch(w);
  if (!quiet)
    std::fprintf(stderr, "watch: %zu run%s%s\n", r.spans.size(), r.spans.size() == 1 ? "" : "s",
                 r.stopped_by ? (", stopped by signal " + std::to_string(r.stopped_by)).c_str() : "");
  return 0;
}

/// Handles the orchestration flags when one is given; nullopt when none is (the caller runs as usual).
template <node_type... Nodes>
std::optional<int> handle(pipeline_t<Nodes...>& p, const flags& f, const store_settings& st, const std::string& run_node_name,
                          const node_paths& paths, const run_options& options, bool quiet, int argc, const char* const* argv) {
  try {
    if (!f.run_id.empty()) detail::check_run_id(f.run_id);
    if (!f.export_kind.empty() && !f.submit.empty()) throw parameter_error("--export and --submit: give one");
    if (!f.export_file.empty() && f.export_kind.empty() && f.submit.empty())
      throw parameter_error("--export-file goes with --export KIND");
    if ((f.max_runs || f.poll != 1.0) && !f.watch) throw parameter_error("--max-runs and --poll go with --watch");
    if (!f.resources.empty() && f.export_kind.empty() && f.submit.empty())
      throw parameter_error("--resources goes with --export or --submit");
    if (!f.export_kind.empty() || !f.submit.empty()) return export_command(p, f, st, argc, argv);
    if (f.finalize) return finalize_command(p, f, st, quiet);
    if (f.watch) return watch_command(p, f, st, options, quiet);
    if (!run_node_name.empty()) return run_node_command(p, run_node_name, paths, f, st, options, quiet);
  } catch (const parameter_error& e) {
    return detail::fail(e.what());
  } catch (const std::invalid_argument& e) {
    return detail::fail(e.what());
  }
  return std::nullopt;
}

/// A pipeline program's command line with a metadata store: the core's (--list, --dot, --set, --threads,
/// --run-node ...), --store/--root/--no-cache, and the orchestration flags. Exit 0 done, 1 a node failed, 2 usage.
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, run_options options = {}) {
  CLI::App app{"Runs the pipeline '" + p.name() + "', recorded in a metadata store, or one of its nodes, or exports it."};
  app.footer("Nodes (name, stage, inputs, parameters):\n" + describe_nodes(p));
  bool list = false, dot = false, mermaid = false, quiet = false;
  std::vector<std::string> sets, inputs, outputs;
  std::string run_node_name;
  store_settings st;
  flags f;
  app.add_flag("--list", list, "List the nodes in run order and exit");
  app.add_flag("--dot", dot, "Print the DAG as Graphviz DOT and exit");
  app.add_flag("--mermaid", mermaid, "Print the DAG as a Mermaid flowchart and exit");
  app.add_option("--threads", options.threads, "Threads for independent nodes")->check(CLI::Range(1, 256));
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE (JSON value, or text)")->take_all();
  app.add_option("--run-node", run_node_name, "Run only this node (its inputs: --input, or its run's in the store)");
  app.add_option("--input", inputs, "With --run-node: PORT=DIR, the artifact directory of an input port");
  app.add_option("--output", outputs, "With --run-node: KEY=DIR, where an output goes (or DIR: each in DIR/KEY)");
  app.add_option("--store", st.url, "Metadata store: sqlite:PATH or mariadb://user:password@host:port/db (env MLPIPE_STORE)")
      ->capture_default_str();
  app.add_option("--root", st.root, "Artifact root: <root>/<pipeline>/<node>/<execution id>/")->capture_default_str();
  app.add_flag("--no-cache", st.no_cache, "Execute every node (still recorded)");
  app.add_flag("-q,--quiet", quiet, "Print nothing but errors");
  add_flags(app, f);
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
    return detail::fail(e.what());
  }
  if (list) return std::cout << describe_nodes(p), 0;
  if (dot || mermaid) return std::cout << (dot ? to_dot(p) : to_mermaid(p)), 0;
  if (!options.log && !quiet)
    options.log = [](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "[%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    };
  if (auto code = handle(p, f, st, run_node_name, paths, options, quiet, argc, argv)) return *code;
  try {
    auto s = detail::open_store_at(st.url);
    return run_recorded(p, *s, st, options, quiet);
  } catch (const parameter_error& e) {
    return detail::fail(e.what());
  }
}

}  // namespace mlpipe::orchestrate
