// tools/commands/run.hpp: `mlpipe run --data FILE_OR_PATTERN --label COL`: the standard life cycle on any CSV
// (examples, statistics, schema, validation, transform, training, evaluation), recorded in a metadata store and cached.
#pragma once

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/main.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/span.hpp>
#include <mlpipe/deploy/push.hpp>
#if __has_include(<httplib.h>)
#include <mlpipe/deploy/infra_validate.hpp>  // with the model server: push only what a server answered correctly
#define MLPIPE_RUN_INFRA_VALIDATE 1
#endif
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/train/train.hpp>
#ifdef MLPIPE_HAVE_XGBOOST
#include <mlpipe/train/xgboost.hpp>
#endif
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

#include "evaluate.hpp"  // detail::parse_threshold
#include "model.hpp"     // detail::pick_model

namespace mlpipe::tools {

namespace detail_run {

namespace fs = std::filesystem;
using json = nlohmann::json;

struct options {
  std::string data, label, model = "auto", store = metadata::default_store_url(), root = "mlpipe-artifacts";
  std::string push_to, pipeline;
  std::vector<std::string> sets, thresholds, exclude;
  std::size_t threads = 1;
  bool no_cache = false, no_baseline = false, json = false;
};

/// A usage or input error (exit 2), as opposed to a node that failed (exit 1).
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// The pipeline's default name: the data file's stem without its {SPAN} part ("data/span-{SPAN}.csv" -> "span").
inline std::string default_pipeline_name(const std::string& pattern) {
  std::string stem = fs::path(pattern).stem().string();
  if (auto s = stem.find("{SPAN}"); s != std::string::npos) stem.erase(s, 6);
  std::string out;
  for (char c : stem) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' ? c : '_';
  while (!out.empty() && (out.back() == '_' || out.back() == '-')) out.pop_back();
  while (!out.empty() && out.front() == '_') out.erase(0, 1);
  return out.empty() ? "run" : out;
}

/// Reads the current span (for the label's name and the automatic model choice). A label that is no column
/// name but a number N names the N-th column (from 1), as cut and awk count.
inline table read_current_span(const std::string& pattern, std::string& label) {
  span_selection sel;
  try {
    sel = select_spans(pattern);
  } catch (const std::exception& e) {
    throw usage_error(std::string("--data: ") + e.what());
  }
  table t;
  try {
    t = csv_reader(sel.current.files.front()).read_all();
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  if (!t.index_of(label)) {
    bool digits = !label.empty() && label.size() < 6;
    for (char c : label) digits = digits && std::isdigit(static_cast<unsigned char>(c));
    auto names = t.names();
    if (digits && std::stoul(label) >= 1 && std::stoul(label) <= names.size()) {
      label = names[std::stoul(label) - 1];
    } else {
      std::string known;
      for (auto& n : names) known += (known.empty() ? "" : ", ") + n;
      throw usage_error("--label '" + label + "' is not a column of " + sel.current.files.front().string() +
                        " (columns: " + known + "), nor a column number from 1 to " + std::to_string(names.size()));
    }
  }
  return t;
}

/// The newest blessed model of this pipeline (its evaluation's input model and transform), copied together into
/// <root>/<pipeline>/baseline/<model id>-<transform id>/ as `evaluate` reads a baseline; "" when there is none.
inline std::string last_blessed_model(metadata::store& s, const std::string& pipeline, const fs::path& root,
                                      const std::string& label, std::string_view kind) {
  auto ctx = s.get_context(metadata::names::node, pipeline + ".evaluation");
  if (!ctx) return {};
  std::optional<metadata::execution> best;
  for (auto& e : s.get_executions_by_context(ctx->id)) {
    if (e.state != metadata::execution_state::complete && e.state != metadata::execution_state::cached) continue;
    auto b = e.custom_properties.find("blessed");
    if (b == e.custom_properties.end() || metadata::to_text(b->second) != "1") continue;
    if (!best || e.create_time_ms > best->create_time_ms || (e.create_time_ms == best->create_time_ms && e.id > best->id))
      best = e;
  }
  if (!best) return {};
  std::int64_t model_id = 0, transform_id = 0;
  for (auto& ev : s.get_events_by_execution_ids(std::span<const std::int64_t>(&best->id, 1))) {
    if (metadata::store::is_output(ev.type) || ev.path.empty()) continue;
    auto key = std::get_if<std::string>(&ev.path[0]);
    if (key && *key == "model") model_id = ev.artifact_id;
    if (key && *key == "transform") transform_id = ev.artifact_id;
  }
  auto m = s.get_artifact(model_id), t = s.get_artifact(transform_id);
  if (!m || !t || m->state != metadata::artifact_state::live || t->state != metadata::artifact_state::live) return {};
  std::error_code ec;
  if (!fs::is_directory(m->uri, ec) || !fs::is_directory(t->uri, ec)) return {};
  auto dir = root / pipeline / "baseline" / (std::to_string(model_id) + "-" + std::to_string(transform_id));
  if (!fs::is_directory(dir)) {
    auto tmp = dir;
    tmp += ".tmp-" + std::to_string(::getpid());
    fs::remove_all(tmp);
    fs::create_directories(tmp);
    fs::copy(m->uri, tmp / "Model", fs::copy_options::recursive);
    fs::copy(t->uri, tmp / "TransformGraph", fs::copy_options::recursive);
    fs::rename(tmp, dir, ec);  // another process may have put it there first: either copy is the same
    if (ec) fs::remove_all(tmp);
  }
  // a baseline the candidate cannot be compared with (another label or model kind) is no baseline
  try {
    auto b = load_trained_model(dir);
    if (b.m.label() != label || b.m.kind_name() != kind) return {};
  } catch (const std::exception&) {
    return {};
  }
  return dir.string();
}

inline std::string fmt_number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}


/// What every model's run shares: the store opened, the baseline found, the pipeline's name.
struct run_setup {
  std::string name, label, baseline;
  std::unique_ptr<metadata::store> store;
};

inline run_setup setup(const options& o, const std::string& label, std::string_view kind) {
  run_setup r;
  r.name = o.pipeline.empty() ? default_pipeline_name(o.data) : o.pipeline;
  r.label = label;
  try {
    auto u = metadata::parse_store_url(o.store);
    if (u.kind == metadata::dialect::sqlite)
      if (auto parent = fs::path(u.path).parent_path(); !parent.empty()) fs::create_directories(parent);
    r.store = metadata::open_store(o.store);
  } catch (const std::exception& e) {
    throw usage_error("--store " + o.store + ": " + e.what());
  }
  if (!o.no_baseline) r.baseline = last_blessed_model(*r.store, r.name, o.root, label, kind);
  return r;
}

// The standard life cycle for one model type. A macro, not a function template: GCC 12 stops with an internal
// compiler error (check_noexcept_r) on this `<<` composition inside a template; in a plain function it is fine.
#define MLPIPE_RUN_LIFECYCLE_PIPELINE(Model, su, o, thresholds, ...)                                               \
  ::mlpipe::pipeline(                                                                                              \
      su.name, ::mlpipe::node<"examples">(::mlpipe::csv_examples{.pattern = o.data, .label = su.label}),          \
      ::mlpipe::node<"statistics">(::mlpipe::statistics{}) << ::mlpipe::from<"examples">,                          \
      ::mlpipe::node<"schema">(::mlpipe::infer_schema{}) << ::mlpipe::from<"statistics">,                          \
      ::mlpipe::node<"anomalies">(::mlpipe::validate{}) << ::mlpipe::from<"statistics", "schema">,                 \
      ::mlpipe::node<"transform">(::mlpipe::fit_transform<>{.ops = ::mlpipe::default_ops(), .exclude = o.exclude}) \
          << ::mlpipe::from<"examples">,                                                                           \
      ::mlpipe::node<"model">(::mlpipe::train<Model>{}) << ::mlpipe::from<"examples", "transform">,                \
      ::mlpipe::node<"evaluation">(                                                                                \
          ::mlpipe::evaluate{.thresholds = std::move(thresholds), .slices = {}, .baseline = su.baseline})          \
          << ::mlpipe::from<"model", "examples", "transform"> __VA_ARGS__)
#ifdef MLPIPE_RUN_INFRA_VALIDATE
#define MLPIPE_RUN_PUSH_NODE                                                                                       \
  , ::mlpipe::node<"infra_validation">(::mlpipe::infra_validate{}) << ::mlpipe::from<"model", "transform", "examples">, \
      ::mlpipe::node<"push">(::mlpipe::push_validated{.base = o.push_to})                                         \
          << ::mlpipe::from<"model", "transform", "evaluation", "infra_validation">
#else
#define MLPIPE_RUN_PUSH_NODE \
  , ::mlpipe::node<"push">(::mlpipe::push{.base = o.push_to}) << ::mlpipe::from<"model", "transform", "evaluation">
#endif

template <class P>
int run_and_report(P& p, const options& o, run_setup& su, std::string_view kind) {
  const std::string& name = su.name;
  const std::string& label = su.label;
  const std::string& baseline = su.baseline;
  auto* st = su.store.get();
  try {
    for (auto& s : o.sets) apply_override(p, s);
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }

  metadata::recorder rec(*st, o.root);
  rec.set_cache(!o.no_cache);
  run_options ro{.threads = o.threads, .observer = &rec};
  if (!o.json)
    ro.log = [](std::string_view node, std::string_view msg) {
      std::fprintf(stderr, "  [%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
    };
  auto r = run(p, ro);

  auto usable = [&](std::string_view n) { return r.state(n) == node_state::succeeded || r.state(n) == node_state::cached; };
  json out;
  out["run"] = rec.run_id();
  out["pipeline"] = name;
  out["ok"] = r.ok();
  out["store"] = o.store;
  out["data"] = o.data;
  out["label"] = label;
  out["model_kind"] = std::string(kind);
  out["baseline"] = baseline.empty() ? json(nullptr) : json(baseline);
  out["nodes"] = json::array();
  for (auto n : p.names()) {
    json jn{{"node", std::string(n)}, {"state", std::string(to_string(r.state(n)))}};
    if (!r.error(n).empty()) jn["error"] = std::string(r.error(n));
    if (auto outs = r.outputs(n); !outs.empty()) {
      jn["outputs"] = json::array();
      for (auto& a : outs) jn["outputs"].push_back({{"type", a.type_name}, {"uri", a.uri.string()}});
    }
    out["nodes"].push_back(std::move(jn));
  }
  if (usable("anomalies")) out["anomalies"] = json::parse(r.template get<"anomalies">().to_json().dump())["anomalies"];
  if (usable("evaluation")) {
    // from the artifact, not the run's records: a cached node has its outputs but recorded nothing this time
    json m = json::object();
    const auto& ev = r.template get<"evaluation">().evaluation;
    for (const auto& [k, v] : ev.overall().metrics) m[k] = v;
    if (const auto* b = ev.find(ev.overall().slice, true))
      for (const auto& [k, v] : b->metrics) m["baseline_" + k] = v;
    out["evaluation"] = m;
    out["blessed"] = r.template get<"evaluation">().blessing.blessed;
    out["blessing"] = r.template get<"evaluation">().blessing.reason;
  }
  if (auto outs = r.outputs("model"); !outs.empty()) out["model"] = outs[0].uri.string();
#ifdef MLPIPE_RUN_INFRA_VALIDATE
  if (p.find("infra_validation") && usable("infra_validation"))
    if (auto outs = r.outputs("infra_validation"); !outs.empty()) {  // (get<> needs the node in every pipeline)
      auto ib = infra_blessing::load(outs[0].uri);
      out["infra_blessed"] = ib.blessed;
      out["infra_blessing"] = ib.reason;
    }
#endif
  out["pushed"] = nullptr;
  if (p.find("push") && usable("push"))
    if (auto outs = r.outputs("push"); !outs.empty()) {
      auto pm = pushed_model::load(outs[0].uri);
      out["pushed"] = {{"version", pm.version}, {"path", pm.path}};
    }

  if (o.json) {
    std::cout << out.dump(2) << '\n';
    return r.ok() ? 0 : 1;
  }
  std::printf("\nrun %s of pipeline '%s' on %s (label '%s', %s regression)\n", rec.run_id().c_str(), name.c_str(),
              o.data.c_str(), label.c_str(), std::string(kind).c_str());
  for (auto n : p.names()) {
    std::printf("  %-16.*s %s", int(n.size()), n.data(), std::string(to_string(r.state(n))).c_str());
    if (!r.error(n).empty()) std::printf("  (%.*s)", int(r.error(n).size()), r.error(n).data());
    std::printf("\n");
  }
  if (usable("anomalies")) {
    const auto& an = r.template get<"anomalies">();
    std::printf("validation: %zu anomal%s\n", an.size(), an.size() == 1 ? "y" : "ies");
    for (auto& a : an.items)
      std::printf("  %s %s: %s\n", std::string(to_string(a.kind)).c_str(), a.column.c_str(), a.description.c_str());
  }
  if (usable("evaluation")) {
    std::string figures;
    for (auto& [k, v] : out["evaluation"].items())
      if (k != "slices" && k != "blessed" && k != "threshold_failures" && k != "example_count" &&
          k.find("_macro") == std::string::npos && k.find("_micro") == std::string::npos &&
          (!k.starts_with("baseline_") || k == "baseline_auc" || k == "baseline_rmse" || k == "baseline_accuracy"))
        figures += (figures.empty() ? "" : ", ") + k + " " + (v.is_number_float() ? fmt_number(v.template get<double>()) : v.dump());
    std::printf("evaluation: %s\n  %s: %s%s\n", figures.c_str(), out["blessed"].get<bool>() ? "BLESSED" : "NOT BLESSED",
                out["blessing"].get<std::string>().c_str(),
                baseline.empty() ? " (no earlier blessed model to compare with)" : (" (baseline: " + baseline + ")").c_str());
  }
  if (out.contains("model")) std::printf("model: %s\n", out["model"].get<std::string>().c_str());
  if (out.contains("infra_blessed"))
    std::printf("infra validation: %s: %s\n", out["infra_blessed"].get<bool>() ? "BLESSED" : "NOT BLESSED",
                out["infra_blessing"].get<std::string>().c_str());
  if (!out["pushed"].is_null())
    std::printf("pushed: %s (version %lld)\n", out["pushed"]["path"].template get<std::string>().c_str(),
                static_cast<long long>(out["pushed"]["version"].template get<std::int64_t>()));
  else if (p.find("push"))
    std::printf("pushed: nothing (push %s)\n", std::string(to_string(r.state("push"))).c_str());
  std::printf("metadata: mlpipe show %s --store %s\n", rec.run_id().c_str(), o.store.c_str());
  return r.ok() ? 0 : 1;
}

// The life cycle with train<Model>, with or without push: one plain function per model (a function template
// here meets GCC 12's check_noexcept_r ICE on the stages' brace-initialised members).
#define MLPIPE_RUN_MODEL_FUNCTION(fn, Model, kind)                                                              \
  inline int fn(const options& o, const std::string& label, std::vector<metric_threshold> thresholds) {         \
    auto su = setup(o, label, kind);                                                                            \
    if (o.push_to.empty()) {                                                                                    \
      auto p = MLPIPE_RUN_LIFECYCLE_PIPELINE(Model, su, o, thresholds);                                         \
      return run_and_report(p, o, su, kind);                                                                    \
    }                                                                                                           \
    auto p = MLPIPE_RUN_LIFECYCLE_PIPELINE(Model, su, o, thresholds, MLPIPE_RUN_PUSH_NODE);                     \
    return run_and_report(p, o, su, kind);                                                                      \
  }
MLPIPE_RUN_MODEL_FUNCTION(run_logistic, logistic_regression, "logistic")
MLPIPE_RUN_MODEL_FUNCTION(run_linear, linear_regression, "linear")
MLPIPE_RUN_MODEL_FUNCTION(run_softmax, softmax_regression, "softmax")
#ifdef MLPIPE_HAVE_XGBOOST
MLPIPE_RUN_MODEL_FUNCTION(run_xgboost, xgboost_model, "xgboost")
#endif
#undef MLPIPE_RUN_MODEL_FUNCTION
#undef MLPIPE_RUN_LIFECYCLE_PIPELINE
#undef MLPIPE_RUN_PUSH_NODE
#undef MLPIPE_RUN_INFRA_VALIDATE

inline int run_command(options o) {
  std::string label = o.label;
  table t = read_current_span(o.data, label);
  std::vector<metric_threshold> thresholds;
  try {
    for (auto& s : o.thresholds) thresholds.push_back(detail::parse_threshold(s));
  } catch (const std::exception& e) {
    throw usage_error(e.what());
  }
  std::string kind = o.model;
  if (kind == "auto") {
    try {
      kind = detail::pick_model(t, label);
    } catch (const std::exception& e) {
      throw usage_error(std::string("--model auto: ") + e.what());
    }
  }
  if (kind == "logistic") return run_logistic(o, label, thresholds);
  if (kind == "linear") return run_linear(o, label, thresholds);
  if (kind == "softmax") return run_softmax(o, label, thresholds);
#ifdef MLPIPE_HAVE_XGBOOST
  if (kind == "xgboost") return run_xgboost(o, label, thresholds);
#endif
  throw usage_error("--model '" + kind + "' is not logistic, linear, softmax, xgboost or auto");
}

}  // namespace detail_run

/// Registers `mlpipe run`.
inline void add_run_commands(CLI::App& app, int& exit_code) {
  namespace dr = detail_run;
  auto o = std::make_shared<dr::options>();
  auto* c = app.add_subcommand("run", "The standard life cycle on a CSV, recorded in a metadata store and cached:\n"
                                      "examples, statistics, schema, validation, transform, training, evaluation");
  c->add_option("--data", o->data, "CSV file or {SPAN} pattern (newest span current, the one before the baseline)")
      ->required();
  c->add_option("--label", o->label, "Label column: its name, or its number counting from 1")->required();
  c->add_option("--model", o->model, "logistic | linear | softmax | xgboost | auto (linear kinds, from the label)")
      ->check(CLI::IsMember({"auto", "logistic", "linear", "softmax", "xgboost"}))
      ->capture_default_str();
  c->add_option("--store", o->store, "Metadata store: sqlite:PATH or mariadb://user:password@host:port/database")
      ->capture_default_str();
  c->add_option("--root", o->root, "Artifact root: <root>/<pipeline>/<node>/<execution id>/")->capture_default_str();
  c->add_option("--pipeline", o->pipeline, "Pipeline name in the store (default: the data file's stem)");
  c->add_option("--push-to", o->push_to,
                "Validate the model in a separate `mlpipe serve` process (node infra_validation), then push it to "
                "DIR/<version>/ when blessed by both (otherwise refused: exit 1)");
  c->add_option("--threshold", o->thresholds, "Blessing threshold: auc>=0.8, log_loss<=0.5, auc>=baseline-0.01");
  c->add_option("--exclude", o->exclude, "Columns that are not features");
  c->add_option("--set", o->sets, "Override a parameter: NODE.PARAM=VALUE (nodes: examples, statistics, schema, "
                                   "anomalies, transform, model, evaluation, infra_validation, push)");
  c->add_option("--threads", o->threads, "Threads for independent nodes")->check(CLI::Range(1, 256));
  c->add_flag("--no-cache", o->no_cache, "Execute every node (still recorded)");
  c->add_flag("--no-baseline", o->no_baseline, "Do not evaluate against the last blessed model");
  c->add_flag("--json", o->json, "Print the outcome as JSON");
  c->callback([o, &exit_code] {
    try {
      exit_code = dr::run_command(*o);
    } catch (const dr::usage_error& e) {
      std::fprintf(stderr, "mlpipe run: error: %s\n", e.what());
      exit_code = 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlpipe run: error: %s\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace mlpipe::tools
