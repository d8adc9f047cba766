// The whole life cycle as one pipeline, recorded in an ML-Metadata store and served from its cache on re-runs.
//
//   examples ──┬──> statistics ──┬──> schema ──┐
//              │                 └─────────────┴──> anomalies
//              └──> transform ──> model ──> evaluation ──> push
//
//   (model also reads examples; evaluation reads model, examples and transform; push reads model, transform
//    and the evaluation's blessing)
//
// examples   csv_examples: the newest span of a {SPAN} pattern (train/eval split), the span before as baseline
// statistics per split and column, baseline included;  schema: inferred from the current span
// anomalies  validate: the current span against the schema, and its drift against the baseline span
// transform  fit_transform on the train split;  model: train<logistic_regression>;  evaluation: evaluate with
//            a blessing threshold (auc >= 0.8) on the eval split
// push       the blessed model with its transform as the next version under --push-to (TensorFlow Serving
//            layout); an unblessed model is refused (the node fails, the run exits 1)
//
// Every node's execution, parameters, artifacts and figures go to the metadata store (--store, SQLite by
// default); artifacts to <root>/<pipeline>/<node>/<execution id>/. Run it twice: the second run takes every
// node whose stage, parameters and inputs did not change from the cache. The command line is
// mlpipe::metadata::main's (--store, --root, --no-cache, --set, --list, --dot, --json, --threads), the engines'
// (--run-node, --export slurm|cwl|kfp|airflow, --submit slurm, --watch: docs/orchestration.md) plus three
// shortcuts for parameters (--data, --label, --push-to). Try:
//   example_lifecycle --data 'DIR/span-{SPAN}.csv' --label diagnosis --push-to DIR/serving --store sqlite:DIR/md.sqlite
//   example_lifecycle ... --set model.l2=0.01      (re-runs model, evaluation and push only)
//   example_lifecycle --list | --dot
// examples/lifecycle/demo.sh builds it, writes two spans of breast_cancer.csv (the second with a drifted
// column) and runs it twice.
#include <mlpipe/mlpipe.hpp>
#include <mlpipe/orchestrate/main.hpp>

namespace mp = mlpipe;

int main(int argc, char** argv) {
  auto p = mp::pipeline(
      "lifecycle",
      mp::node<"examples">(mp::csv_examples{.pattern = "lifecycle-demo/data/span-{SPAN}.csv", .label = "diagnosis"}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<mp::logistic_regression>{}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = "lifecycle-demo/serving/lifecycle"}) << mp::from<"model", "transform", "evaluation">);
  return mp::orchestrate::main(p, argc, argv,
                               {.parameter_options = {{"--data", "examples.pattern", "CSV file or {SPAN} pattern"},
                                                      {"--label", "examples.label", "Label column (two classes)"},
                                                      {"--push-to", "push.base", "Serving directory of blessed models"}}});
}
