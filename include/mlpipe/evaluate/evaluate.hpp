// mlpipe/evaluate/evaluate.hpp: the `evaluate` stage: a model on the eval split, sliced, compared with an
// optional baseline model, checked against thresholds -> ModelEvaluation + ModelBlessing.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/inputs.hpp>
#include <mlpipe/core/outputs.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/evaluate/blessing.hpp>
#include <mlpipe/evaluate/model_evaluation.hpp>
#include <mlpipe/evaluate/predict.hpp>
#include <mlpipe/evaluate/slicing.hpp>
#include <mlpipe/evaluate/thresholds.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// The two outputs of `evaluate`: a consumer (push) takes the one of its type.
struct evaluation_outputs {
  model_evaluation evaluation;
  model_blessing blessing;
  MLPIPE_OUTPUTS(evaluation, blessing);
};

/// A trained model with the fitted transform it reads its features through.
struct trained_model {
  any_model m;
  transform_graph transform;
};

/// Finds a Model and its TransformGraph in `dir`: a model directory (model_kind or model.json) and
/// transform_graph.json in the directory itself or in its immediate subdirectories (the layout `mlpipe train -o
/// DIR` writes, or a pipeline's artifact folders). The model is loaded through `registry` by its kind. Throws
/// std::runtime_error saying what is missing.
inline trained_model load_trained_model(const std::filesystem::path& dir,
                                        const model_registry& registry = default_model_registry()) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw std::runtime_error(dir.string() + ": not a directory (expected a trained model)");
  auto find = [&](const char* file) -> std::optional<fs::path> {
    if (fs::exists(dir / file)) return dir;
    std::vector<fs::path> hits;
    for (const auto& e : fs::directory_iterator(dir))
      if (e.is_directory() && fs::exists(e.path() / file)) hits.push_back(e.path());
    if (hits.size() > 1) {
      std::sort(hits.begin(), hits.end());
      throw std::runtime_error(dir.string() + ": several " + file + " (in " + hits[0].string() + " and " +
                               hits[1].string() + "); name the one to use");
    }
    if (hits.empty()) return std::nullopt;
    return hits.front();
  };
  auto md = find("model_kind");
  if (!md) md = find("model.json");
  if (!md) throw std::runtime_error(dir.string() + ": no model.json here or in a subdirectory (is it a trained model?)");
  auto td = find("transform_graph.json");
  if (!td) throw std::runtime_error(dir.string() + ": no transform_graph.json here or in a subdirectory (the model's transform)");
  return {registry.load(*md), transform_graph::load(*td)};
}

/// Evaluates a model (and optionally a baseline, each through its own transform) on a table, sliced.
inline model_evaluation evaluate_model(const any_model& m, const transform_graph& g, const table& t,
                                       const std::vector<std::string>& slices = {},
                                       const trained_model* baseline = nullptr) {
  auto cand = predict_table(m, g, t);
  auto rows = make_slices(t, slices);
  if (!baseline) return evaluate_predictions(cand, rows);
  if (baseline->m.label() != m.label())
    throw std::invalid_argument("the baseline model predicts '" + baseline->m.label() + "', the candidate '" + m.label() + "'");
  auto base = predict_table(baseline->m, baseline->transform, t);
  if (base.classes != cand.classes || base.class_names != cand.class_names)
    throw std::invalid_argument("the baseline model's classes differ from the candidate's; they cannot be compared");
  return evaluate_predictions(cand, rows, &base);
}

namespace detail {
inline void record_evaluation(context& ctx, const model_evaluation& ev, const model_blessing& b) {
  for (const auto& [k, v] : ev.overall().metrics)
    if (k.find('/') == std::string::npos) ctx.record(k, v);
  if (const auto* base = ev.find(std::string(overall_slice), true))
    for (const auto& [k, v] : base->metrics)
      if (k.find('/') == std::string::npos) ctx.record("baseline_" + k, v);
  ctx.record("slices", ev.candidate.size());
  ctx.record("blessed", b.blessed ? 1 : 0);
  ctx.record("blessing", b.reason);
  ctx.record("threshold_failures", b.failures.size());
  ctx.log(b.reason);
}
}  // namespace detail

/// Stage "evaluate": model + examples + the model's TransformGraph [+ a baseline model] -> ModelEvaluation +
/// ModelBlessing.
///   mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}, .slices = {"sex"}})
///       << mp::from<"model", "examples", "transform">
///   mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::no_worse_than_baseline("auc")}})
///       << mp::from<"tuned", "examples", "transform", "default">
/// Metrics come from the eval split, overall and for each slice. The baseline, to compare against: the optional
/// input `baseline` (a model of the same pipeline, read through the same transform, e.g. a default
/// configuration against the tuned one), or the parameter `baseline` naming a directory that holds the model in
/// production (its model.json and transform_graph.json, e.g. what `mlpipe train -o` wrote), read through its own
/// transform. Without either, change thresholds pass (TFX's first run).
struct evaluate {
  std::vector<metric_threshold> thresholds;  // at_least / at_most / no_worse_than_baseline ...
  std::vector<std::string> slices;           // column names, "a,b" to cross two columns
  std::string baseline;                      // directory of the baseline model ("" for none)
  MLPIPE_PARAMETERS(thresholds, slices, baseline);
  MLPIPE_INPUTS(model, examples, transform, baseline);

  static constexpr std::string_view name = "evaluate";
  static constexpr int version = 1;

  /// The baseline directory's content (its model's and transform's fingerprints; 0 without a baseline): what a
  /// cache must add to the parameters, since the path alone does not change when the model under it does.
  std::uint64_t source_fingerprint() const {
    if (baseline.empty()) return 0;
    auto b = load_trained_model(baseline);
    const std::uint64_t parts[] = {b.m.fingerprint(), b.transform.fingerprint()};
    return combine_fingerprints(parts);
  }

  evaluation_outputs operator()(const any_model& m, const examples& ex, const transform_graph& g,
                                optional_input<any_model> baseline_model, context& ctx) const {
    if (ex.eval.rows() == 0) throw std::invalid_argument("evaluate: the examples have no eval split rows");
    if (baseline_model && !baseline.empty())
      throw std::invalid_argument("evaluate: a baseline model is wired to the input 'baseline' and the parameter "
                                  "'baseline' names the directory " + baseline + "; give one of them");
    std::optional<trained_model> base;
    if (baseline_model) base = trained_model{*baseline_model, g};
    else if (!baseline.empty()) base = load_trained_model(baseline);
    evaluation_outputs out;
    out.evaluation = evaluate_model(m, g, ex.eval, slices, base ? &*base : nullptr);
    out.blessing = bless(out.evaluation, thresholds);
    detail::record_evaluation(ctx, out.evaluation, out.blessing);
    return out;
  }
};

}  // namespace mlpipe
