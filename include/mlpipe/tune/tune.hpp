// mlpipe/tune/tune.hpp: the `tune<Model>` stage: searches a train<Model>'s parameters, scored on the eval split
// by its loss or any evaluation metric; train<Model> takes the HyperParameters found as its optional input.
#pragma once

#include <random>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/outputs.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/tune/search.hpp>
#include <mlpipe/tune/space.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// The two outputs of tune<Model>: the best parameters and the model trained with them.
struct tuning_outputs {
  hyperparameters best;
  model fitted;
  MLPIPE_OUTPUTS(best, fitted);
};

/// Whether the tuner can optimize `metric` for this kind of model, and in which direction: "eval_loss" (mean
/// cross-entropy with probabilities clipped to [1e-15, 1 - 1e-15] for a classifier, mean squared error for a
/// regression; lower is better) or any metric compute_metrics gives for the task (auc, accuracy, log_loss,
/// f1_macro, precision/<class>, ... for classifiers; rmse, mse, mae, r2 for a regression). Throws naming the
/// metric otherwise. Returns true when higher is better.
MLPIPE_DECL bool tuning_maximizes(std::string_view metric, model_kind kind);

/// How well a model does on a table, by the tuner's metric (see tuning_maximizes). eval_loss, accuracy and rmse
/// are summed block by block; the other metrics come from evaluate's compute_metrics (NaN when undefined on
/// this split, e.g. auc with one class only: the trial then counts as failed).
MLPIPE_DECL double tuning_score(const model& m, const transform_graph& g, const table& t, const label_encoding& enc,
                                std::string_view metric);

template <class Model>
struct tune;

/// Stage "tune": searches the parameters of train<Model> (`base` gives the rest), each trial trained on the
/// train split and scored on the eval split; returns the best parameters and the model trained with them.
///   mp::node<"tuned">(mp::tune<mp::logistic_regression>{
///       .space = {{"l2", mp::log_uniform(1e-6, 1)}, {"learning_rate", mp::choice{0.01, 0.1}}},
///       .strategy = "random", .trials = 20}) << mp::from<"examples", "transform">
/// Successive halving treats `epochs` (and Newton's `max_iterations`) as the budget.
template <model_kind K>
struct tune<linear_model<K>> {
  train<linear_model<K>> base;       // the trainer whose parameters are searched
  search_space space;                // parameter -> domain
  std::string strategy = "random";   // grid | random | successive_halving
  std::size_t trials = 20;           // random: trials; successive_halving: first-rung candidates
  std::size_t grid_points = 5;       // grid: values per continuous parameter
  std::uint64_t seed = 0;
  std::string metric = "eval_loss";  // eval_loss or an evaluation metric (auc, accuracy, f1_macro, rmse, r2, ...)
  std::size_t min_budget = 1;        // successive halving: epochs of the first rung
  std::size_t max_budget = 0;        // successive halving: epochs of the last rung (0: base.epochs)
  std::size_t eta = 3;               // successive halving: keep the best 1/eta at each rung
  std::size_t threads = 0;           // trials at once (0: the context's threads)
  MLPIPE_PARAMETERS(base, space, strategy, trials, grid_points, seed, metric, min_budget, max_budget, eta, threads);

  static constexpr std::string_view name = "tune";
  static constexpr int version = 1;

  tuning_options options(std::size_t context_threads) const {
    const bool maximize = tuning_maximizes(metric, K);
    tuning_options o;
    o.strategy = search_strategy_from_string(strategy);
    o.trials = trials;
    o.grid_points = grid_points;
    o.seed = seed;
    o.threads = threads ? threads : std::max<std::size_t>(1, context_threads);
    o.maximize = maximize;
    o.min_budget = min_budget;
    o.max_budget = max_budget ? max_budget : base.epochs;
    o.eta = eta;
    return o;
  }

  /// The trainer a trial runs: base with the trial's parameters (and budget) applied.
  train<linear_model<K>> trainer_for(const nlohmann::json& params, std::size_t budget, bool use_budget) const {
    auto t = base;
    apply_parameters(t, params, "tune trial");
    if (use_budget) {
      t.epochs = budget;
      t.max_iterations = budget;
    }
    return t;
  }

  tuning_outputs operator()(const examples& in, const transform_graph& g, context& ctx) const {
    auto opt = options(ctx.threads());
    {  // fail early, before any thread starts, on a parameter the trainer does not have or a wrongly typed value
      std::mt19937_64 rng(seed);
      nlohmann::json probe = nlohmann::json::object();
      for (const auto& [k, d] : space) probe[k] = d.sample(rng);
      (void)trainer_for(probe, 1, false);
    }
    if (in.eval.rows() == 0) throw std::invalid_argument("tune: the examples have no eval split to score trials on");
    const bool halving = opt.strategy == search_strategy::successive_halving;
    auto enc = label_encoding::fit(in.train, in.label, K != model_kind::linear);
    auto trial = [&](const nlohmann::json& params, std::size_t budget) {
      auto t = trainer_for(params, budget, halving);
      context local;  // trials record nothing of their own; the tuner records each trial below
      auto m = t.fit(in.train, &in.eval, g, in.label, local);
      return tuning_score(m, g, in.eval, enc, metric);
    };
    auto result = run_search(space, trial, opt);
    tuning_outputs out;
    out.best = make_hyperparameters(result, metric, opt);
    auto best_trainer = trainer_for(result.best, result.trials[result.best_trial].budget, halving);
    if (halving) out.best.values["epochs"] = best_trainer.epochs, out.best.values["max_iterations"] = best_trainer.max_iterations;
    out.fitted = best_trainer.fit(in.train, &in.eval, g, in.label, ctx);  // records the final fit's figures
    out.fitted.training["tuning"] = {{"metric", metric}, {"best", result.best_metric}, {"trials", result.trials.size()},
                                     {"strategy", strategy}};
    std::size_t failed = 0;
    double seconds = 0;
    for (const auto& t : result.trials) {
      failed += !t.ok();
      seconds += t.seconds;
      ctx.record("trial_" + std::to_string(t.id), nlohmann::json(t).dump());
    }
    ctx.record("trials", result.trials.size());
    ctx.record("failed_trials", failed);
    ctx.record("trial_seconds", seconds);
    ctx.record("best_trial", result.best_trial);
    ctx.record("best_" + metric, result.best_metric);
    ctx.record("best_parameters", out.best.values.dump());
    ctx.log("best " + metric + " " + std::to_string(result.best_metric) + " with " + out.best.values.dump() + " after " +
            std::to_string(result.trials.size()) + " trials");
    return out;
  }
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/tune/impl/tune.ipp>
#endif
