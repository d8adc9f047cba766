// tools/commands/run.hpp: `mlpipe run --data FILE_OR_PATTERN --label COL`: the standard life cycle on any CSV
// (examples, statistics, schema, validation, transform, training, evaluation, and with --push-to infra validation
// and push), built on mlpipe::metadata's main: the same options, store, recording, caching and report.
#pragma once

#include <CLI/CLI.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/main.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/span.hpp>
#include <mlpipe/deploy/infra_validate.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/metadata/main.hpp>
#include <mlpipe/orchestrate/main.hpp>
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

/// `mlpipe run`'s own options; the rest of its command line (--store, --root, --no-cache, --set, --threads,
/// --json, --list, --dot, ...) is mlpipe::metadata::main's.
struct options {
  std::string data, label, model = "auto", pipeline, push_to;
  std::vector<std::string> thresholds, exclude, rest;
  bool no_baseline = false;
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

/// What `mlpipe run` adds to the metadata main: the last blessed model of the pipeline as the evaluation's
/// baseline, and in the outcome the data, label, model kind and baseline, with the figures users look for first.
class run_extension : public main_extension {
 public:
  run_extension(const options& o, std::string label, std::string kind, metadata::store_extension& store)
      : o_(o), label_(std::move(label)), kind_(std::move(kind)), store_(store) {}

  void configure(main_context& m) override {
    if (o_.no_baseline || !store_.store()) return;  // (no store opened to write an engine's file)
    baseline_ = last_blessed_model(*store_.store(), m.pipeline.name, store_.root(), label_, kind_);
    if (!baseline_.empty()) m.pipeline.set_parameter("evaluation.baseline=" + baseline_);
  }

  void after_run(main_context&, run_report& r) override {
    r.notes.insert(r.notes.begin(), {"data", o_.data + " (label '" + label_ + "', " + kind_ + " regression)"});
    r.notes.insert(r.notes.begin() + 1,
                   {"baseline", baseline_.empty() ? "none (no earlier blessed model to compare with)" : baseline_});
  }

  void add_to_summary(const run_report& r, json& out) override {
    out["data"] = o_.data;
    out["label"] = label_;
    out["model_kind"] = kind_;
    out["baseline"] = baseline_.empty() ? json(nullptr) : json(baseline_);
    auto usable = [&](std::string_view n) {
      auto* node = r.find(n);
      return node && (node->state == node_state::succeeded || node->state == node_state::cached) &&
             !node->outputs.empty();
    };
    if (usable("anomalies"))
      out["anomalies"] = json::parse(anomalies::load(r.find("anomalies")->outputs[0].uri).to_json().dump())["anomalies"];
    if (usable("evaluation")) {
      json m = json::object();
      for (auto& [k, v] : r.find("evaluation")->records)
        if (k != "blessed" && k != "blessing" && k != "threshold_failures" && k != "slices")
          std::visit([&](const auto& x) { m[k] = x; }, v);
      out["evaluation"] = m;
      out["blessed"] = r.record("evaluation", "blessed") && format_property(*r.record("evaluation", "blessed")) == "1";
      if (auto* why = r.record("evaluation", "blessing")) out["blessing"] = format_property(*why);
    }
    if (usable("model")) out["model"] = r.find("model")->outputs[0].uri.string();
    if (usable("infra_validation")) {
      auto ib = infra_blessing::load(r.find("infra_validation")->outputs[0].uri);
      out["infra_blessed"] = ib.blessed;
      out["infra_blessing"] = ib.reason;
    }
    out["pushed"] = nullptr;
    if (usable("push")) {
      auto pm = pushed_model::load(r.find("push")->outputs[0].uri);
      out["pushed"] = {{"version", pm.version}, {"path", pm.path}};
    }
  }

 private:
  const options& o_;
  std::string label_, kind_, baseline_;
  metadata::store_extension& store_;
};

/// The stages whose types are not the model's, made in a plain function: GCC 12 stops with an internal compiler
/// error when stages with members like `std::vector<std::string> splits = {"train", "eval"}` are brace-initialised
/// inside a template (docs/concepts.md, Known issues).
struct standard_stages {
  csv_examples examples;
  statistics stats;
  infer_schema schema;
  validate validation;
  fit_transform<> transform;
  evaluate evaluation;
  infra_validate infra;
  mlpipe::push push;
};
inline standard_stages make_standard_stages(const options& o, const std::string& label,
                                            std::vector<metric_threshold> thresholds) {
  standard_stages s;
  s.examples.pattern = o.data;
  s.examples.label = label;
  s.transform.ops = default_ops();
  s.transform.exclude = o.exclude;
  s.evaluation.thresholds = std::move(thresholds);
  s.push.base = o.push_to;
  return s;
}

/// The standard life cycle for one model type, run by the metadata main with the run extension.
template <class Model>
int run_model(const options& o, const std::string& label, const std::string& kind,
              std::vector<metric_threshold> thresholds) {
  const std::string name = o.pipeline.empty() ? default_pipeline_name(o.data) : o.pipeline;
  orchestrate::store_for_engines store;
  run_extension ext(o, label, kind, store);
  std::vector<std::string> args{"mlpipe run"};
  args.insert(args.end(), o.rest.begin(), o.rest.end());
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  const int argc = static_cast<int>(argv.size());
  // what each engine step repeats (`mlpipe run --data ... --run-node NODE`): the options that make this pipeline
  std::vector<std::string> step{"mlpipe", "run", "--data", o.data, "--label", label, "--model", kind, "--pipeline", name};
  if (!o.push_to.empty()) step.insert(step.end(), {"--push-to", o.push_to});
  for (auto& t : o.thresholds) step.insert(step.end(), {"--threshold", t});
  for (auto& x : o.exclude) step.insert(step.end(), {"--exclude", x});
  if (o.no_baseline) step.emplace_back("--no-baseline");
  step.insert(step.end(), o.rest.begin(), o.rest.end());
  std::vector<const char*> step_argv;
  for (auto& a : step) step_argv.push_back(a.c_str());
  orchestrate::extension engines(store, static_cast<int>(step_argv.size()), step_argv.data());
  store.exporting_now = [&] { return engines.exporting(); };
  main_options mo{.run = {}, .extensions = {&store, &ext, &engines}, .parameter_options = {}, .description = {}};
  auto s = make_standard_stages(o, label, std::move(thresholds));
  // the standard nodes, then `tail` (with --push-to: infra validation in a separate `mlpipe serve` process, push)
  auto build = [&](auto&&... tail) {
    return pipeline(name, node<"examples">(s.examples), node<"statistics">(s.stats) << from<"examples">,
                    node<"schema">(s.schema) << from<"statistics">,
                    node<"anomalies">(s.validation) << from<"statistics", "schema">,
                    node<"transform">(s.transform) << from<"examples">,
                    node<"model">(train<Model>()) << from<"examples", "transform">,
                    node<"evaluation">(s.evaluation) << from<"model", "examples", "transform">,
                    std::move(tail)...);
  };
  if (o.push_to.empty()) {
    auto p = build();
    return mlpipe::main(p, argc, argv.data(), mo);
  }
  auto p = build(node<"infra_validation">(s.infra) << from<"model", "transform", "examples">,
                 node<"push">(s.push) << from<"model", "transform", "evaluation", "infra_validation">);
  return mlpipe::main(p, argc, argv.data(), mo);
}

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
  if (kind == "logistic") return run_model<logistic_regression>(o, label, kind, thresholds);
  if (kind == "linear") return run_model<linear_regression>(o, label, kind, thresholds);
  if (kind == "softmax") return run_model<softmax_regression>(o, label, kind, thresholds);
#ifdef MLPIPE_HAVE_XGBOOST
  if (kind == "xgboost") return run_model<xgboost_model>(o, label, kind, thresholds);
#endif
  throw usage_error("--model '" + kind + "' is not logistic, linear, softmax, xgboost or auto");
}

}  // namespace detail_run

/// Registers `mlpipe run`.
inline void add_run_commands(CLI::App& app, int& exit_code) {
  namespace dr = detail_run;
  auto o = std::make_shared<dr::options>();
  auto* c = app.add_subcommand("run", "The standard life cycle on a CSV, recorded in a metadata store and cached:\n"
                                      "examples, statistics, schema, validation, transform, training, evaluation.\n"
                                      "Beyond the options below it takes those of every pipeline program: --store,\n"
                                      "--root, --no-cache, --set NODE.PARAM=VALUE, --threads, --json, --list, --dot,\n"
                                      "and the engines' (docs/orchestration.md): --run-node, --run-id, --export,\n"
                                      "--submit, --resources, --finalize, --watch");
  c->add_option("--data", o->data, "CSV file or {SPAN} pattern (newest span current, the one before the baseline)")
      ->required();
  c->add_option("--label", o->label, "Label column: its name, or its number counting from 1")->required();
  c->add_option("--model", o->model, "logistic | linear | softmax | xgboost | auto (linear kinds, from the label)")
      ->check(CLI::IsMember({"auto", "logistic", "linear", "softmax", "xgboost"}))
      ->capture_default_str();
  c->add_option("--pipeline", o->pipeline, "Pipeline name in the store (default: the data file's stem)");
  c->add_option("--push-to", o->push_to,
                "Validate the model in a separate `mlpipe serve` process (node infra_validation), then push it to "
                "DIR/<version>/ when blessed by both (otherwise refused: exit 1)");
  c->add_option("--threshold", o->thresholds, "Blessing threshold: auc>=0.8, log_loss<=0.5, auc>=baseline-0.01");
  c->add_option("--exclude", o->exclude, "Columns that are not features");
  c->add_flag("--no-baseline", o->no_baseline, "Do not evaluate against the last blessed model");
  c->allow_extras();  // the pipeline program's own options, handed to mlpipe::metadata's main
  c->callback([o, c, &exit_code] {
    o->rest = c->remaining();
    try {
      exit_code = dr::run_command(*o);
    } catch (const usage_error& e) {
      std::fprintf(stderr, "mlpipe run: error: %s\n", e.what());
      exit_code = 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlpipe run: error: %s\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace mlpipe::tools
