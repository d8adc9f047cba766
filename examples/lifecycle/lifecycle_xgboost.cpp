// The life cycle with gradient-boosted trees: the pipeline of lifecycle.cpp with an XGBoost model node.
// evaluate, push, `mlpipe predict` and `mlpipe serve` take it as they take a linear model (the model concept).
//
//   examples ──┬──> statistics ──> schema ──> anomalies
//              └──> transform ──> model (XGBoost) ──> evaluation ──> push
//
// Try:
//   example_lifecycle_xgboost --data examples/data/breast_cancer.csv --label diagnosis --push-to DIR/serving
//   example_lifecycle_xgboost ... --set model.max_depth=3 --set model.rounds=200 --set model.early_stopping=10
//   mlpipe predict DIR/serving examples/data/breast_cancer.csv ;  mlpipe serve --model-base DIR/serving --name m
#include <mlpipe/metadata/main.hpp>
#include <mlpipe/mlpipe.hpp>
#include <mlpipe/train/xgboost.hpp>

namespace mp = mlpipe;

int main(int argc, char** argv) {
  auto p = mp::pipeline(
      "lifecycle_xgboost",
      mp::node<"examples">(mp::csv_examples{.pattern = "examples/data/breast_cancer.csv", .label = "diagnosis"}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<mp::xgboost_model>{.rounds = 50, .eta = 0.2, .max_depth = 4})
          << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = "lifecycle-xgboost/serving"}) << mp::from<"model", "transform", "evaluation">);
  return mp::metadata::main(p, argc, argv,
                            {.parameter_options = {{"--data", "examples.pattern", "CSV file or {SPAN} pattern"},
                                                   {"--label", "examples.label", "Label column"},
                                                   {"--push-to", "push.base", "Serving directory of blessed models"}}});
}
