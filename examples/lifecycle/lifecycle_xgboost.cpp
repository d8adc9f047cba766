// The life cycle with gradient-boosted trees: the same pipeline as lifecycle.cpp with an XGBoost model node.
// evaluate, push, `mlpipe predict` and `mlpipe serve` take it as they take a linear model (the model concept).
//
//   examples ──┬──> statistics ──> schema ──> anomalies
//              └──> transform ──> model (XGBoost) ──> evaluation ──> push
//
// Try:
//   example_lifecycle_xgboost --data examples/data/breast_cancer.csv --label diagnosis --work DIR
//   example_lifecycle_xgboost ... --set model.max_depth=3 --set model.rounds=200 --set model.early_stopping=10
//   mlpipe predict DIR/serving/1 examples/data/breast_cancer.csv ;  mlpipe serve --model-base DIR/serving --name m
#include <mlpipe/core/main.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/train/xgboost.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

namespace mp = mlpipe;
namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::string work = "lifecycle-xgboost", data, label = "diagnosis";
  std::vector<std::string> sets;
  CLI::App app{"The ML life cycle with an XGBoost model node, recorded in a SQLite metadata store."};
  app.add_option("--work", work, "Work directory: store, artifacts and serving/ live under it")->capture_default_str();
  app.add_option("--data", data, "CSV file or {SPAN} pattern")->required();
  app.add_option("--label", label, "Label column")->capture_default_str();
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE")->take_all();
  CLI11_PARSE(app, argc, argv);

  auto p = mp::pipeline(
      "lifecycle_xgboost",
      mp::node<"examples">(mp::csv_examples{.pattern = data, .label = label}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<mp::xgboost_model>{.rounds = 50, .eta = 0.2, .max_depth = 4})
          << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = (fs::path(work) / "serving").string()})
          << mp::from<"model", "transform", "evaluation">);
  for (auto& s : sets) mp::apply_override(p, s);

  fs::create_directories(work);
  auto store = mp::metadata::open_sqlite_store((fs::path(work) / "metadata.sqlite").string());
  mp::metadata::recorder rec(*store, (fs::path(work) / "artifacts").string());
  auto r = mp::run(p, {.observer = &rec});
  for (auto n : r.nodes_in(mp::node_state::failed))
    std::printf("FAILED %.*s: %.*s\n", int(n.size()), n.data(), int(r.error(n).size()), r.error(n).data());
  if (!r.ok()) return 1;
  const auto& ev = r.get<"evaluation">();
  std::printf("xgboost: %s rounds; auc %.4f, accuracy %.4f; %s\n", r.get<"model">().training["rounds"].dump().c_str(),
              ev.evaluation.overall().metrics.at("auc"), ev.evaluation.overall().metrics.at("accuracy"),
              ev.blessing.blessed ? "BLESSED" : "NOT BLESSED");
  std::printf("pushed model: %s (version %lld)\n", r.get<"push">().path.c_str(),
              static_cast<long long>(r.get<"push">().version));
  return 0;
}
