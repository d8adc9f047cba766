// mlpipe/orchestrate/impl/main.ipp: bodies of orchestrate/main.hpp's non-template functions, the engines'
// extension of mlpipe::main (compiled once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/store.hpp>
#include <mlpipe/orchestrate/main.hpp>

namespace mlpipe::orchestrate {

namespace detail {

MLPIPE_DECL void check_run_id(const std::string& id) {
  for (unsigned char c : id)
    if (c <= ' ' || c == '\'' || c == '"' || c == '\\' || c == '$' || c == '`' || c == '/' || c >= 0x7f)
      throw usage_error("--run-id '" + id + "': letters, digits and . _ - : + only");
}

MLPIPE_DECL void engine_args(int argc, const char* const* argv, std::vector<std::string>& args, std::vector<std::string>& sets) {
  static const std::vector<std::string_view> with_value = {
      "--export", "--export-file", "--submit", "--resources", "--image", "--schedule", "--run-id", "--store",
      "--root", "--max-runs", "--poll", "--run-node", "--input", "--output"};
  static const std::vector<std::string_view> flags_only = {"--watch", "--finalize", "--list", "--dot", "--mermaid", "--json"};
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

MLPIPE_DECL std::string store_default(const std::string& url) {
  auto u = metadata::parse_store_url(url);
  if (u.kind == metadata::dialect::sqlite) return "sqlite:" + std::filesystem::absolute(u.path).string();
  return u.password.empty() ? url : std::string();
}

MLPIPE_DECL std::string self_path(const char* argv0) {
  std::error_code ec;
  auto p = std::filesystem::canonical("/proc/self/exe", ec);
  if (!ec) return p.string();
  return std::filesystem::absolute(argv0).string();
}

MLPIPE_DECL std::string names_of(const std::vector<std::string>& v) {
  std::string s;
  for (auto& n : v) s += (s.empty() ? "" : ", ") + n;
  return s;
}
}  // namespace detail

MLPIPE_DECL void extension::add_options(CLI::App& app) {
  app.add_option("--run-id", run_id_, "The run this process records into (with --run-node, --finalize, --export)");
  app.add_option("--export", export_kind_, "Write the DAG for an engine, each node a call of this program, and exit")
      ->check(CLI::IsMember({"kfp", "cwl", "airflow", "slurm"}));
  app.add_option("--export-file", export_file_, "With --export: the file to write (default: standard output)");
  app.add_option("--submit", submit_, "Submit the run to an engine, one job per node, and exit")
      ->check(CLI::IsMember({"slurm"}));
  app.add_option("--resources", resources_,
                 "Per node resources for --export/--submit: NODE:cpus=4,mem=8G,time=1h,ranks=2 (NODE * for all)");
  app.add_option("--image", image_, "Container image of this program (Kubeflow; Airflow's KubernetesPodOperator)");
  app.add_option("--schedule", schedule_, "Airflow schedule of the exported DAG (cron or @daily; default: none)");
  app.add_flag("--finalize", finalize_, "Close run --run-id: nodes that never ran canceled, the run failed or complete");
  app.add_flag("--watch", watch_, "Run on the newest span, then on every new span of the {SPAN} pattern");
  app.add_option("--max-runs", max_runs_, "With --watch: stop after N runs (the first one counts)");
  app.add_option("--poll", poll_, "With --watch: seconds between looks at the pattern")->check(CLI::Range(0.01, 86400.0));
}

MLPIPE_DECL void extension::configure(main_context& m) {
  if (!run_id_.empty()) detail::check_run_id(run_id_);
  bool exporting = !export_kind_.empty() || !submit_.empty();
  if (!export_kind_.empty() && !submit_.empty()) throw usage_error("--export and --submit: give one");
  if (!export_file_.empty() && export_kind_.empty() && submit_.empty())
    throw usage_error("--export-file goes with --export KIND");
  if ((max_runs_ || poll_ != 1.0) && !watch_) throw usage_error("--max-runs and --poll go with --watch");
  if ((!resources_.empty() || !image_.empty() || !schedule_.empty()) && !exporting)
    throw usage_error("--resources, --image and --schedule go with --export or --submit");
  if (watch_ && !m.run_node.empty()) throw usage_error("--watch runs the whole pipeline: not with --run-node");
  if (!run_id_.empty() && !exporting && !finalize_ && m.run_node.empty()) m.options.run_id = run_id_;
}

MLPIPE_DECL std::optional<int> extension::mode(main_context& m) {
  if (!export_kind_.empty() || !submit_.empty()) return export_command(m);
  if (finalize_) return finalize_command(m);
  if (watch_) return watch_command(m);
  if (!m.run_node.empty()) prepare_node(m);  // the core runs it, recorded
  return std::nullopt;
}

MLPIPE_DECL void extension::before_run(main_context& m) {
  if (!watch_ || !m.options.observer) return;
  stopper_.emplace(*m.options.observer);  // the store's recorder of this run, stoppable between nodes
  m.options.observer = &*stopper_;
}

MLPIPE_DECL int extension::export_command(main_context& m) {
  auto d = describe_dag(m.pipeline);
  export_options o;
  o.binary = detail::self_path(argv_[0]);
  detail::engine_args(argc_, argv_, o.args, o.sets);
  o.root = std::filesystem::absolute(store_.root()).string();
  o.args.insert(o.args.end(), {"--root", o.root});
  o.workdir = std::filesystem::current_path().string();
  o.run_id = run_id_;
  o.image = image_;
  o.schedule = schedule_;
  o.default_store = detail::store_default(store_.url());
  try {
    o.resources = parse_resources(resources_, d);
  } catch (const std::invalid_argument& e) {
    throw usage_error(e.what());
  }
  std::string kind = submit_.empty() ? export_kind_ : submit_;
  std::string text;
  try {
    text = kind == "slurm" ? export_slurm(d, o) : kind == "cwl" ? export_cwl(d, o) : kind == "kfp" ? export_kfp(d, o) : export_airflow(d, o);
  } catch (const std::invalid_argument& e) {
    throw usage_error(std::string("--") + (submit_.empty() ? "export " : "submit ") + kind + ": " + e.what());
  }
  std::string file = export_file_;
  if (!submit_.empty() && file.empty()) {
    std::filesystem::create_directories(o.root);
    file = o.root + "/" + d.pipeline + "-submit-" + std::to_string(::getpid()) + ".sh";
  }
  if (file.empty()) {
    std::cout << text << std::flush;
    return 0;
  }
  {
    std::ofstream out(file);
    out << text;
    if (!out) throw usage_error("--export-file " + file + ": cannot write it");
  }
  if (kind == "slurm")
    std::filesystem::permissions(file, std::filesystem::perms::owner_exec, std::filesystem::perm_options::add);
  if (submit_.empty()) return 0;
  if (std::system("command -v sbatch >/dev/null 2>&1") != 0)
    throw usage_error("--submit slurm: sbatch is not on PATH (is this a SLURM submit host?); the script is " + file);
  std::fflush(stdout);
  int rc = std::system(("bash " + shell_quote(file)).c_str());
  return WIFEXITED(rc) && WEXITSTATUS(rc) == 0 ? 0 : 1;
}

MLPIPE_DECL int extension::finalize_command(main_context& m) {
  if (run_id_.empty()) throw usage_error("--finalize needs --run-id ID (the run to close)");
  auto r = finalize_run(*store_.store(), describe_dag(m.pipeline), run_id_, store_.root());
  auto line = [](const char* what, const std::vector<std::string>& v) {
    return v.empty() ? std::string() : std::string("  ") + what + ": " + detail::names_of(v) + "\n";
  };
  if (!m.quiet || !r.ok)
    std::fprintf(r.ok ? stdout : stderr, "run %s of '%s': %s\n%s%s%s%s", run_id_.c_str(), m.pipeline.name.c_str(),
                 r.ok ? "COMPLETE" : "FAILED", line("done", r.done).c_str(), line("failed", r.failed).c_str(),
                 line("canceled (never ran)", r.canceled).c_str(),
                 line("abandoned (its job ended mid-node)", r.abandoned).c_str());
  return r.ok ? 0 : 1;
}

MLPIPE_DECL void extension::prepare_node(main_context& m) {
  auto d = describe_dag(m.pipeline);
  const dag_node* n = d.find(m.run_node);
  if (!n) return;  // the core names the nodes there are
  std::vector<std::string> ports;
  for (auto& in : n->inputs) ports.push_back(in.port);
  for (auto& [port, dir] : m.paths.inputs)
    if (std::find(ports.begin(), ports.end(), port) == ports.end())
      return;  // the core says which ports there are
  recorder_.emplace(*store_.store(), store_.root());
  recorder_->set_cache(store_.cache());
  std::string run_id = run_id_.empty() ? make_run_id() : run_id_;
  recorder_->join_run(d.pipeline, run_id);
  for (auto& in : n->inputs) {
    if (m.paths.inputs.count(in.port) || in.type.empty()) continue;
    auto found = recorder_->run_output(in.producer, in.producer_output);
    if (!found)
      throw usage_error("--run-node: node '" + n->name + "': input port '" + in.port + "': no --input " + in.port +
                        "=DIR given, and run " + run_id + " has no " + in.producer_output + " output of node '" +
                        in.producer + "' in the store (" + store_.url() + "); run that node first, with the same --run-id");
    m.paths.inputs[in.port] = found->uri;
  }
  m.options.observer = &*recorder_;
  m.options.run_id = run_id;
}

MLPIPE_DECL int extension::watch_command(main_context& m) {
  auto d = describe_dag(m.pipeline);
  std::string pattern, reader;
  for (auto& n : d.nodes)
    if (n.parameters.is_object() && n.parameters.contains("pattern") && n.parameters["pattern"].is_string() &&
        n.parameters["pattern"].get<std::string>().find("{SPAN}") != std::string::npos) {
      pattern = n.parameters["pattern"].get<std::string>();
      reader = n.name;
      break;
    }
  if (pattern.empty())
    throw usage_error("--watch: no node of '" + d.pipeline + "' reads a {SPAN} pattern (a parameter 'pattern' with {SPAN})");
  auto& s = *store_.store();
  watch_settings w;
  w.pattern = pattern;
  w.max_runs = max_runs_;
  w.poll = std::chrono::milliseconds(static_cast<long>(poll_ * 1000));
  w.has_run = [&](std::int64_t span) {  // a complete (or cached) execution of the reading node on that span
    auto ctx = s.get_context(metadata::names::node, d.pipeline + "." + reader);
    if (!ctx) return false;
    for (auto& e : s.get_executions_by_context(ctx->id)) {
      if (e.state != metadata::execution_state::complete && e.state != metadata::execution_state::cached) continue;
      if (auto it = e.custom_properties.find("span");
          it != e.custom_properties.end() && metadata::to_text(it->second) == std::to_string(span))
        return true;
    }
    return false;
  };
  w.run_span = [&](std::int64_t) {
    try {
      return m.run();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s\n", e.what());
      return 1;
    }
  };
  if (!m.quiet) w.log = [](const std::string& line) { std::fprintf(stderr, "watch: %s\n", line.c_str()); };
  auto r = watch(w);
  if (!m.quiet)
    std::fprintf(stderr, "watch: %zu run%s%s\n", r.spans.size(), r.spans.size() == 1 ? "" : "s",
                 r.stopped_by ? (", stopped by signal " + std::to_string(r.stopped_by)).c_str() : "");
  return 0;
}

MLPIPE_DECL void store_for_engines::configure(main_context& m) {
  if (!exporting_now || !exporting_now()) metadata::store_extension::configure(m);
}

namespace detail {
MLPIPE_DECL engine_extensions::engine_extensions(int argc, const char* const* argv, main_options& options)
    : engines(store, argc, argv) {
  store.exporting_now = [this] { return engines.exporting(); };
  options.extensions.insert(options.extensions.begin(), {&store, &engines});
}

MLPIPE_DECL engine_extensions::~engine_extensions() = default;
}  // namespace detail

}  // namespace mlpipe::orchestrate
