// mlpipe/evaluate/evaluate.hpp: the `evaluate` stage: a model on the eval split, sliced, compared with an
// optional baseline model, checked against thresholds -> ModelEvaluation + ModelBlessing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>


#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
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
MLPIPE_DECL trained_model load_trained_model(const std::filesystem::path& dir,
                                             const model_registry& registry = default_model_registry());

/// Evaluates a model (and optionally a baseline, each through its own transform) on a table, sliced.
MLPIPE_DECL model_evaluation evaluate_model(const any_model& m, const transform_graph& g, const table& t,
                                            const std::vector<std::string>& slices = {},
                                            const trained_model* baseline = nullptr);

namespace detail {
MLPIPE_DECL void record_evaluation(context& ctx, const model_evaluation& ev, const model_blessing& b);
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
  std::uint64_t source_fingerprint() const;

  evaluation_outputs operator()(const any_model& m, const examples& ex, const transform_graph& g,
                                optional_input<any_model> baseline_model, context& ctx) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/evaluate.ipp>
#endif
