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
// node whose stage, parameters and inputs did not change from the cache. Try:
//   example_lifecycle --data 'DIR/span-{SPAN}.csv' --label diagnosis --work DIR
//   example_lifecycle ... --set model.l2=0.01      (re-runs model and evaluation only)
//   example_lifecycle --list | --dot
// examples/lifecycle/demo.sh builds it, writes two spans of breast_cancer.csv (the second with a drifted
// column) and runs it twice.
// (not <mlpipe/core.hpp>: its fuse.hpp and train/block_source.hpp both define mlpipe::l2_block_rows)
#include <mlpipe/core/draw.hpp>
#include <mlpipe/core/main.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

namespace mp = mlpipe;
namespace fs = std::filesystem;

namespace {

std::string text(const mp::property_value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", *d);
    return buf;
  }
  return std::get<std::string>(v);
}

}  // namespace

int main(int argc, char** argv) {
  std::string work = "lifecycle-demo", data, label = "diagnosis", store_url, root, push_to;
  std::vector<std::string> sets;
  std::size_t threads = 1;
  bool no_cache = false, list = false, dot = false;
  CLI::App app{"The whole ML life cycle (examples, statistics, schema, validation, transform, training, evaluation)\n"
               "as one mlpipe pipeline, recorded in a metadata store and cached."};
  app.add_option("--work", work, "Work directory: default data, store and artifacts live under it")->capture_default_str();
  app.add_option("--data", data, "CSV file or {SPAN} pattern (default: WORK/data/span-{SPAN}.csv)");
  app.add_option("--label", label, "Label column (two classes)")->capture_default_str();
  app.add_option("--store", store_url, "Metadata store: sqlite:PATH (default: sqlite:WORK/metadata.sqlite)");
  app.add_option("--root", root, "Artifact root (default: WORK/artifacts)");
  app.add_option("--push-to", push_to, "Serving directory of the blessed models (default: WORK/serving/lifecycle)");
  app.add_option("--set", sets, "Override a parameter: NODE.PARAM=VALUE")->take_all();
  app.add_option("--threads", threads, "Threads for independent nodes")->check(CLI::Range(1, 64));
  app.add_flag("--no-cache", no_cache, "Execute every node (still recorded)");
  app.add_flag("--list", list, "List the nodes and their parameters, and exit");
  app.add_flag("--dot", dot, "Print the DAG as Graphviz DOT, and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (data.empty()) data = (fs::path(work) / "data" / "span-{SPAN}.csv").string();
  if (store_url.empty()) store_url = "sqlite:" + (fs::path(work) / "metadata.sqlite").string();
  if (root.empty()) root = (fs::path(work) / "artifacts").string();
  if (push_to.empty()) push_to = (fs::path(work) / "serving" / "lifecycle").string();

  // ---- the pipeline: the DSL, checked at compile time ----
  auto p = mp::pipeline(
      "lifecycle",
      mp::node<"examples">(mp::csv_examples{.pattern = data, .label = label}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<mp::logistic_regression>{}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = push_to}) << mp::from<"model", "transform", "evaluation">);

  try {
    for (auto& s : sets) mp::apply_override(p, s);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (list) {
    std::cout << mp::describe_nodes(p);
    return 0;
  }
  if (dot) {
    std::cout << mp::to_dot(p);
    return 0;
  }

  // ---- the run, recorded: the recorder is the run's observer and serves unchanged nodes from the store ----
  std::unique_ptr<mp::metadata::store> store;
  try {
    fs::create_directories(work);
    auto u = mp::metadata::parse_store_url(store_url);
    if (u.kind != mp::metadata::dialect::sqlite) {
      std::fprintf(stderr, "example_lifecycle: --store must be sqlite:PATH here (mlpipe run takes MariaDB too)\n");
      return 2;
    }
    if (auto parent = fs::path(u.path).parent_path(); !parent.empty()) fs::create_directories(parent);
    store = mp::metadata::open_sqlite_store(u.path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "example_lifecycle: cannot open the metadata store '%s': %s\n", store_url.c_str(), e.what());
    return 2;
  }
  mp::metadata::recorder rec(*store, root);
  rec.set_cache(!no_cache);
  auto r = mp::run(p, {.threads = threads, .observer = &rec, .log = [](std::string_view node, std::string_view msg) {
                         std::fprintf(stderr, "  [%.*s] %.*s\n", int(node.size()), node.data(), int(msg.size()), msg.data());
                       }});

  std::printf("\nrun %s of pipeline 'lifecycle' on %s\n", rec.run_id().c_str(), data.c_str());
  for (auto s : {mp::node_state::succeeded, mp::node_state::cached, mp::node_state::failed, mp::node_state::skipped}) {
    auto nodes = r.nodes_in(s);
    if (nodes.empty()) continue;
    std::string line;
    for (auto n : nodes) line += (line.empty() ? "" : ", ") + std::string(n);
    std::printf("  %-22s %s\n", s == mp::node_state::cached      ? "from the cache:"
                                : s == mp::node_state::succeeded ? "executed:"
                                : s == mp::node_state::failed    ? "FAILED:"
                                                                 : "skipped:",
                line.c_str());
  }
  for (auto n : r.nodes_in(mp::node_state::failed)) std::printf("  %.*s: %.*s\n", int(n.size()), n.data(),
                                                                int(r.error(n).size()), r.error(n).data());
  if (r.state("examples") != mp::node_state::failed && r.state("examples") != mp::node_state::skipped) {
    const auto& ex = r.get<"examples">();
    std::printf("\ndata: span %lld (%zu train, %zu eval rows)%s\n", static_cast<long long>(ex.span), ex.train.rows(),
                ex.eval.rows(),
                ex.baseline ? (", baseline: the span before (" + std::to_string(ex.baseline->rows()) + " rows)").c_str()
                            : ", no baseline span");
  }
  if (r.state("anomalies") == mp::node_state::succeeded || r.state("anomalies") == mp::node_state::cached) {
    const auto& an = r.get<"anomalies">();
    std::printf("validation: %zu anomal%s\n", an.size(), an.size() == 1 ? "y" : "ies");
    for (auto& a : an.items)
      std::printf("  %s %s: %s\n", std::string(mp::to_string(a.kind)).c_str(), a.column.c_str(), a.description.c_str());
  }
  if (r.state("evaluation") == mp::node_state::succeeded || r.state("evaluation") == mp::node_state::cached) {
    // from the artifact, not the run's records: a cached node has its outputs but recorded nothing this time
    std::string figures;
    for (auto& [k, v] : r.get<"evaluation">().evaluation.overall().metrics)
      if (k == "auc" || k == "accuracy" || k == "log_loss") figures += (figures.empty() ? "" : ", ") + k + " " + text(v);
    const auto& b = r.get<"evaluation">().blessing;
    std::printf("evaluation: %s\n  %s: %s\n", figures.c_str(), b.blessed ? "BLESSED" : "NOT BLESSED", b.reason.c_str());
  }

  std::printf("\nmetadata store: %s\nartifacts:      %s/lifecycle/<node>/<execution id>/\n", store_url.c_str(),
              root.c_str());
  if (auto outs = r.outputs("model"); !outs.empty()) std::printf("trained model:  %s\n", outs[0].uri.c_str());
  if (r.state("push") == mp::node_state::succeeded || r.state("push") == mp::node_state::cached)
    std::printf("pushed model:   %s (version %lld%s)\n", r.get<"push">().path.c_str(),
                static_cast<long long>(r.get<"push">().version),
                r.state("push") == mp::node_state::cached ? ", pushed by an earlier run" : "");
  else
    std::printf("pushed model:   none (push %s)\n", std::string(mp::to_string(r.state("push"))).c_str());
  std::printf("\nlook at them with:\n  mlpipe runs --store %s\n  mlpipe show latest --store %s\n"
              "  mlpipe lineage model --store %s\n  mlpipe lineage PushedModel --store %s\n"
              "  mlpipe history --metric auc --store %s\n",
              store_url.c_str(), store_url.c_str(), store_url.c_str(), store_url.c_str(), store_url.c_str());
  return r.ok() ? 0 : 1;
}
