// The evaluate stage and the tuner on real data (breast_cancer, iris, fair) with the training engineer's models:
// metrics per slice, blessing against a baseline model (in the pipeline or from a directory), tune<Model> and
// train with the tuned hyperparameters.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/tune/tune.hpp>
#include <mlpipe/transform/fit_transform.hpp>

namespace {
using namespace mlpipe;

// Every third row goes to eval, the rest to train.
examples load_examples(const std::string& file, const std::string& label, table* extra = nullptr) {
  table t = read_csv(std::string(MLPIPE_DATA_DIR) + "/" + file);
  if (extra)
    for (const auto& c : extra->columns()) t.add(c);
  std::vector<std::size_t> tr, ev;
  for (std::size_t i = 0; i < t.rows(); ++i) (i % 3 == 2 ? ev : tr).push_back(i);
  examples ex;
  ex.train = t.take(tr);
  ex.eval = t.take(ev);
  ex.label = label;
  return ex;
}

}  // namespace

TEST_CASE("evaluate: a logistic model on breast_cancer, blessed against a weaker baseline, refused the other way") {
  auto ex = load_examples("breast_cancer.csv", "diagnosis");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto good = train<logistic_regression>{.l2 = 1e-3}(ex, g, {}, ctx);
  auto weak = train<logistic_regression>{.l2 = 10.0}(ex, g, {}, ctx);

  evaluate stage{.thresholds = {at_least("auc", 0.9), no_worse_than_baseline("auc", -0.001),
                                no_worse_than_baseline("log_loss")}};
  const any_model weak_model = weak;
  auto out = stage(good, ex, g, optional_input<any_model>(&weak_model), ctx);
  INFO(out.blessing.reason);
  CHECK(out.blessing.blessed);
  CHECK(out.evaluation.task == task_kind::binary);
  CHECK(out.evaluation.overall().metrics.at("example_count") == static_cast<double>(ex.eval.rows()));
  CHECK(out.evaluation.overall().metrics.at("auc") > out.evaluation.find("overall", true)->metrics.at("auc") - 0.001);
  // the stage's numbers are compute_metrics on the model's predictions
  auto direct = compute_metrics(predict_table(good, g, ex.eval));
  CHECK(direct == out.evaluation.overall().metrics);
  // recorded for the metadata store
  bool recorded_auc = false;
  for (const auto& [k, v] : ctx.records()) recorded_auc |= k == "auc";
  CHECK(recorded_auc);

  const any_model good_model = good;
  auto reversed = stage(weak, ex, g, optional_input<any_model>(&good_model), ctx);
  CHECK_FALSE(reversed.blessing.blessed);
  CHECK(reversed.blessing.failures.front().slice == "overall");
}

TEST_CASE("evaluate: baseline model loaded from a directory; slices by a numeric column; softmax on iris") {
  namespace fs = std::filesystem;
  // fair: label "had_affair" (affairs > 0), sliced by "religious" (1..4)
  table t = read_csv(std::string(MLPIPE_DATA_DIR) + "/fair.csv");
  std::vector<std::optional<std::string>> had;
  for (double a : t.col("affairs").values()) had.emplace_back(a > 0 ? "yes" : "no");
  table extra;
  extra.add(column::categorical("had_affair", had));
  auto ex = load_examples("fair.csv", "had_affair", &extra);
  context ctx;
  auto g = fit_transform<>{.exclude = {"affairs"}}(ex, {}, ctx);
  auto cand = train<logistic_regression>{.l2 = 1e-4}(ex, g, {}, ctx);
  auto base = train<logistic_regression>{.l2 = 1e-4}(ex, g, {}, ctx);

  auto dir = fs::temp_directory_path() / ("mlpipe-eval-baseline-" + std::to_string(std::random_device{}()));
  base.save(dir / "model");
  g.save(dir / "transform");
  evaluate stage{.thresholds = {no_worse_than_baseline("auc", -1e-12), at_least("accuracy", 0.6).on_slice("religious")},
                 .slices = {"religious"},
                 .baseline = dir.string()};
  auto out = stage(cand, ex, g, {}, ctx);
  // the baseline's content, not just its path, is what a cache key must see
  const auto before = stage.source_fingerprint();
  CHECK(before != 0);
  train<logistic_regression>{.l2 = 1.0}(ex, g, {}, ctx).save(dir / "model");
  CHECK(stage.source_fingerprint() != before);
  base.save(dir / "model");
  CHECK(stage.source_fingerprint() == before);
  INFO(out.blessing.reason);
  CHECK(out.blessing.blessed);  // the same training, so no change at all
  REQUIRE(out.evaluation.candidate.size() == 1 + 4);
  CHECK(out.evaluation.candidate[1].slice == "religious=1");
  double rows = 0;
  for (std::size_t i = 1; i < out.evaluation.candidate.size(); ++i)
    rows += out.evaluation.candidate[i].metrics.at("example_count");
  CHECK(rows == static_cast<double>(ex.eval.rows()));
  CHECK(out.evaluation.find("religious=4", true) != nullptr);

  stage.baseline = (dir / "nowhere").string();
  CHECK_THROWS_WITH(stage(cand, ex, g, {}, ctx), doctest::Contains("not a directory"));
  // a wired baseline and a baseline directory: one too many
  const any_model base_model = base;
  CHECK_THROWS_WITH(stage(cand, ex, g, optional_input<any_model>(&base_model), ctx),
                    doctest::Contains("give one of them"));
  fs::remove_all(dir);

  auto iris = load_examples("iris.csv", "species");
  auto gi = fit_transform{}(iris, {}, ctx);
  auto soft = train<softmax_regression>{.l2 = 1e-3}(iris, gi, {}, ctx);
  auto ev = evaluate{.thresholds = {at_least("accuracy", 0.85), at_least("f1/virginica", 0.8)}}(soft, iris, gi, {}, ctx);
  INFO(ev.blessing.reason);
  CHECK(ev.blessing.blessed);
  CHECK(ev.evaluation.task == task_kind::multiclass);
  CHECK(ev.evaluation.class_names == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  CHECK(ev.evaluation.overall().confusion.size() == 9);
}

TEST_CASE("tune<logistic_regression>: random search on breast_cancer, every trial recorded, train agrees") {
  auto ex = load_examples("breast_cancer.csv", "diagnosis");
  context ctx("test", "tuned", "run", {}, 2);
  auto g = fit_transform{}(ex, {}, ctx);
  tune<logistic_regression> tuner{.space = {{"l2", log_uniform(1e-5, 10)}}, .trials = 6, .seed = 3};
  auto out = tuner(ex, g, ctx);
  CHECK(out.best.trials.size() == 6);
  CHECK(out.best.metric == "eval_loss");
  double best = 1e300;
  for (const auto& t : out.best.trials) {
    CHECK(t.ok());
    best = std::min(best, t.metric);
  }
  CHECK(out.best.best_metric == best);
  std::size_t trial_records = 0;
  for (const auto& [k, v] : ctx.records()) trial_records += k.rfind("trial_", 0) == 0 && k != "trial_seconds";
  CHECK(trial_records == 6);
  // the tuned model is the one train gives with the same hyperparameters as its optional input
  auto again = train<logistic_regression>{}(ex, g, optional_input<hyperparameters>(&out.best), ctx);
  CHECK(again.weights == out.fitted.weights);
  CHECK(out.best.values["l2"].get<double>() >= 1e-5);
  // a space naming a parameter the trainer lacks fails before any trial
  tune<logistic_regression> bad{.space = {{"l3", uniform(0, 1)}}};
  CHECK_THROWS_WITH(bad(ex, g, ctx), doctest::Contains("no parameter 'l3'"));
}

TEST_CASE("tune optimizes an evaluation metric (auc, f1_macro, r2) in its own direction") {
  auto ex = load_examples("breast_cancer.csv", "diagnosis");
  context ctx("test", "tuned", "run", {}, 2);
  auto g = fit_transform{}(ex, {}, ctx);
  // l2 from nearly none to so strong that the model is all bias: AUC must prefer the weak end
  tune<logistic_regression> tuner{.space = {{"l2", choice{1e-4, 1e3}}}, .strategy = "grid", .metric = "auc"};
  auto out = tuner(ex, g, ctx);
  CHECK(out.best.metric == "auc");
  CHECK(out.best.maximize);
  REQUIRE(out.best.trials.size() == 2);
  double top = -1;
  for (const auto& t : out.best.trials) top = std::max(top, t.metric);
  CHECK(out.best.best_metric == top);
  CHECK(out.best.values["l2"].get<double>() == 1e-4);
  // the score is evaluate's AUC of the fitted model on the eval split
  CHECK(compute_metrics(predict_table(out.fitted, g, ex.eval)).at("auc") == doctest::Approx(top).epsilon(1e-12));

  tuner.metric = "f1/malignant";  // a per-class metric by name
  CHECK(tuner(ex, g, ctx).best.maximize);
  tuner.metric = "log_loss";
  auto ll = tuner(ex, g, ctx);
  CHECK_FALSE(ll.best.maximize);
  CHECK(ll.best.values["l2"].get<double>() == 1e-4);

  tuner.metric = "r2";
  CHECK_THROWS_WITH(tuner(ex, g, ctx), doctest::Contains("regression metric"));
  tuner.metric = "auroc";
  CHECK_THROWS_WITH(tuner(ex, g, ctx), doctest::Contains("unknown metric 'auroc'"));

  auto rh = load_examples("randhie.csv", "mdvis");
  auto gr = fit_transform{}(rh, {}, ctx);
  tune<linear_regression> ridge{.space = {{"l2", choice{1e-3, 1e6}}}, .strategy = "grid", .metric = "r2"};
  auto r2 = ridge(rh, gr, ctx);
  CHECK(r2.best.maximize);
  CHECK(r2.best.values["l2"].get<double>() == 1e-3);
  ridge.metric = "auc";
  CHECK_THROWS_WITH(ridge(rh, gr, ctx), doctest::Contains("classification metric"));
}

TEST_CASE("in a pipeline: examples -> transform -> tune -> train, evaluated against a default model") {
  namespace mp = mlpipe;
  auto p = mp::pipeline(
      "cancer",
      mp::node<"examples">(mp::csv_examples{.pattern = std::string(MLPIPE_DATA_DIR) + "/breast_cancer.csv",
                                            .label = "diagnosis"}),
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"tuned">(mp::tune<mp::logistic_regression>{.space = {{"l2", mp::log_uniform(1e-4, 1)}}, .trials = 4})
          << mp::from<"examples", "transform">,
      mp::node<"model">(mp::train<mp::logistic_regression>{}) << mp::from<"examples", "transform", "tuned">,
      mp::node<"default">(mp::train<mp::logistic_regression>{.l2 = 1.0}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.95),
                                                         mp::no_worse_than_baseline("log_loss")}})
          << mp::from<"model", "examples", "transform", "default">,
      // the same stage without a baseline (its trailing optional input left out): change thresholds pass
      mp::node<"alone">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.95),
                                                    mp::no_worse_than_baseline("log_loss", -1e9)}})
          << mp::from<"default", "examples", "transform">);
  auto r = mp::run(p, {.threads = 2});
  REQUIRE(r.ok());
  const auto& out = r.get<"evaluation">();
  INFO(out.blessing.reason);
  CHECK(out.blessing.blessed);
  CHECK(out.evaluation.find("overall", true) != nullptr);  // the baseline's metrics, from the wired model
  const auto& alone = r.get<"alone">();
  CHECK(alone.evaluation.find("overall", true) == nullptr);  // no baseline
  CHECK(alone.blessing.blessed);
  // the baseline's metrics are the default model's own, through the same transform
  CHECK(out.evaluation.find("overall", true)->metrics == alone.evaluation.overall().metrics);
  CHECK(r.get<"tuned">().best.trials.size() == 4);
  CHECK(r.get<"model">().weights == r.get<"tuned">().fitted.weights);
}

TEST_CASE("the stages' parameters reflect to JSON and are set from text (--set node.param=value)") {
  tune<logistic_regression> tuner{.space = {{"l2", log_uniform(1e-6, 1)}}, .strategy = "grid"};
  auto j = parameters_to_json(tuner);
  CHECK(j["space"]["l2"]["log_uniform"][1] == 1.0);
  CHECK(j["base"]["l2"] == 1e-4);
  set_parameter_from_text(tuner, "space", R"({"learning_rate": {"choice": [0.01, 0.1]}})");
  CHECK(tuner.space.count("learning_rate") == 1);
  CHECK(tuner.space.at("learning_rate").values().size() == 2);

  evaluate ev;
  set_parameter_from_text(ev, "thresholds", R"([{"metric": "auc", "lower_bound": 0.8},
      {"metric": "auc", "change": {"absolute": -0.01}, "slice": "sex=F"}])");
  REQUIRE(ev.thresholds.size() == 2);
  CHECK(ev.thresholds[0] == at_least("auc", 0.8));
  CHECK(ev.thresholds[1] == no_worse_than_baseline("auc", -0.01).on_slice("sex=F"));
  CHECK(parameters_to_json(ev)["thresholds"][1]["change"]["direction"] == "higher_is_better");
  CHECK_THROWS_WITH(set_parameter_from_text(ev, "thresholds", R"([{"metric": "auc", "lower": 1}])"),
                    doctest::Contains("unknown field 'lower'"));
}

TEST_CASE("tune<softmax_regression> on iris: successive halving over epochs, grid over choices, accuracy maximized") {
  auto iris = load_examples("iris.csv", "species");
  context ctx("test", "tuned", "run", {}, 2);
  auto g = fit_transform{}(iris, {}, ctx);
  tune<softmax_regression> halving{.base = {.solver = "adam", .batch_size = 16, .learning_rate = 0.05},
                                   .space = {{"l2", log_uniform(1e-5, 1e-1)}, {"learning_rate", uniform(0.01, 0.2)}},
                                   .strategy = "successive_halving", .trials = 9, .metric = "accuracy",
                                   .min_budget = 3, .max_budget = 27, .eta = 3};
  auto h = halving(iris, g, ctx);
  REQUIRE(h.best.trials.size() == 9 + 3 + 1);
  CHECK(h.best.trials.back().budget == 27);
  CHECK(h.best.values["epochs"] == 27);  // the budget the winner was trained with
  CHECK(h.best.maximize);
  CHECK(h.best.best_metric >= 0.8);
  CHECK(h.fitted.training["tuning"]["strategy"] == "successive_halving");

  tune<softmax_regression> grid{.space = {{"l2", choice{1e-4, 1e-2, 1.0}}}, .strategy = "grid"};
  auto gr = grid(iris, g, ctx);
  CHECK(gr.best.trials.size() == 3);
  CHECK(gr.best.strategy == "grid");
  tune<linear_regression> wrong{.space = {{"l2", uniform(0, 1)}}, .metric = "accuracy"};
  CHECK_THROWS_WITH(wrong(iris, g, ctx), doctest::Contains("accuracy is a classification metric"));
  tune<softmax_regression> wrong2{.space = {{"l2", uniform(0, 1)}}, .metric = "rmse"};
  CHECK_THROWS_WITH(wrong2(iris, g, ctx), doctest::Contains("rmse is a regression metric"));
}

TEST_CASE("tune<linear_regression> on fair (affairs): grid over l2, scored by RMSE on the eval split") {
  auto ex = load_examples("fair.csv", "affairs");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  tune<linear_regression> tuner{.space = {{"l2", choice{1e-6, 1e-2, 10.0}}}, .strategy = "grid", .metric = "rmse"};
  auto out = tuner(ex, g, ctx);
  REQUIRE(out.best.trials.size() == 3);
  double best = 1e300;
  for (const auto& t : out.best.trials) best = std::min(best, t.metric);
  CHECK(out.best.best_metric == best);
  // the tuner's RMSE is the evaluation's RMSE of the model it returns
  auto m = compute_metrics(predict_table(out.fitted, g, ex.eval));
  CHECK(m.at("rmse") == doctest::Approx(best).epsilon(1e-12));
}
