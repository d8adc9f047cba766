// The life-cycle pipeline of examples/lifecycle on mlpipe::orchestrate::main: what the engine tests run node by
// node (SLURM, CWL), export (Kubeflow, Airflow) and compare with a local run. Data and serving directory are
// parameters (--set examples.pattern=... --set push.base=...), as an engine step gets them.
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/orchestrate/main.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mp = mlpipe;

int main(int argc, char** argv) {
  auto p = mp::pipeline(
      "lifecycle",
      mp::node<"examples">(mp::csv_examples{.pattern = "data/span-{SPAN}.csv", .label = "diagnosis"}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<mp::logistic_regression>{}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = "serving"}) << mp::from<"model", "transform", "evaluation">);
  return mp::orchestrate::main(p, argc, argv);
}
