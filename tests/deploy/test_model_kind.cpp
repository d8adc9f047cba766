// A model kind the library has never heard of, written here (a nearest-centroid classifier), goes through
// the whole life cycle with no change to mlpipe: trained by its own stage in a pipeline, evaluated and blessed,
// pushed, loaded by `predictor` and served by this binary's model_server, each through a registry that holds
// its kind. Without the kind registered, loading names the kind and says how to register it.
#include <doctest/doctest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/deploy/server.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

namespace mp = mlpipe;
using json = nlohmann::json;

namespace {

// The user's model: one centroid per class in feature space; probabilities from a softmax of -distance².
struct nearest_centroid {
  std::string label;
  std::vector<std::string> classes;
  std::size_t features = 0;
  std::vector<double> centroids;  // classes x features

  std::string kind_name() const { return "nearest_centroid"; }

  void predict_proba(mp::feature_block x, std::span<double> out) const {
    const std::size_t K = classes.size();
    for (std::size_t r = 0; r < x.rows; ++r) {
      double* o = out.data() + r * K;
      double best = std::numeric_limits<double>::infinity();
      for (std::size_t k = 0; k < K; ++k) {
        double d = 0;
        for (std::size_t j = 0; j < features; ++j) d += (x.row(r)[j] - centroids[k * features + j]) * (x.row(r)[j] - centroids[k * features + j]);
        o[k] = -d;
        best = std::min(best, d);
      }
      double s = 0;
      for (std::size_t k = 0; k < K; ++k) s += (o[k] = std::exp(o[k] + best));
      for (std::size_t k = 0; k < K; ++k) o[k] /= s;
    }
  }
  void predict(mp::feature_block x, std::span<double> out) const {
    std::vector<double> p(x.rows * classes.size());
    predict_proba(x, p);
    for (std::size_t r = 0; r < x.rows; ++r) {
      auto b = p.begin() + static_cast<std::ptrdiff_t>(r * classes.size());
      out[r] = static_cast<double>(std::max_element(b, b + static_cast<std::ptrdiff_t>(classes.size())) - b);
    }
  }
  void save(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "centroids.json") << json{{"label", label}, {"classes", classes}, {"features", features},
                                                  {"centroids", centroids}}.dump();
  }
  static nearest_centroid load(const std::filesystem::path& dir) {
    std::ifstream f(dir / "centroids.json");
    auto j = json::parse(f);
    return {j.at("label"), j.at("classes"), j.at("features"), j.at("centroids")};
  }
  std::uint64_t fingerprint() const {
    mp::hasher h(0x6e63);
    for (double c : centroids) h.update_value(c);
    for (const auto& c : classes) h.update(std::string_view(c));
    h.update(std::string_view(label));
    return h.digest();
  }
};
static_assert(mp::model_type<nearest_centroid>);

// The user's trainer: a plain stage, examples + transform -> nearest_centroid.
struct train_centroids {
  static constexpr std::string_view name = "train_centroids";
  nearest_centroid operator()(const mp::examples& ex, const mp::transform_graph& g) const {
    auto enc = mp::label_encoding::fit(ex.train, ex.label, true);
    nearest_centroid m{ex.label, enc.classes, g.width(), std::vector<double>(enc.classes.size() * g.width(), 0.0)};
    std::vector<double> x(ex.train.rows() * g.width()), y(ex.train.rows()), n(enc.classes.size(), 0.0);
    auto all = ex.train.view(0, ex.train.rows());
    g.bind(ex.train)(all, x);
    enc.bind(ex.train)(all, y.data());
    for (std::size_t r = 0; r < y.size(); ++r) {
      auto k = static_cast<std::size_t>(y[r]);
      n[k] += 1;
      for (std::size_t j = 0; j < g.width(); ++j) m.centroids[k * g.width() + j] += x[r * g.width() + j];
    }
    for (std::size_t k = 0; k < n.size(); ++k)
      for (std::size_t j = 0; j < g.width(); ++j) m.centroids[k * g.width() + j] /= n[k];
    return m;
  }
};

}  // namespace

TEST_CASE("a user's model kind: pipeline (train, evaluate, push), predictor and the server, no library change") {
  const auto base = mp::test::fresh_dir("user_kind") / "serving";
  auto p = mp::pipeline(
      "iris_centroids",
      mp::node<"examples">(mp::csv_examples{.pattern = std::string(MLPIPE_DATA_DIR) + "/iris.csv", .label = "species"}),
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(train_centroids{}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("accuracy", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = base.string()}) << mp::from<"model", "transform", "evaluation">);
  auto r = mp::run(p);
  REQUIRE(r.ok());
  const auto& ev = r.get<"evaluation">();
  INFO(ev.blessing.reason);
  CHECK(ev.blessing.blessed);
  const double accuracy = ev.evaluation.overall().metrics.at("accuracy");
  CHECK(accuracy > 0.8);
  REQUIRE(r.get<"push">().pushed);
  const std::filesystem::path bundle = r.get<"push">().path;

  // the default registry has never heard of the kind: the error says which kind and how to add it
  CHECK_THROWS_WITH(mp::load_bundle(bundle), doctest::Contains("'nearest_centroid' is not registered"));

  mp::model_registry reg;
  reg.add<nearest_centroid>("nearest_centroid");
  const mp::predictor pred(bundle, true, reg);
  CHECK(pred.manifest().model_kind == "nearest_centroid");
  CHECK_FALSE(pred.folded());
  const auto& eval = r.get<"examples">().eval;
  const auto& model = r.get<"model">();
  // the bundle predicts what the trained model predicts, row for row
  std::vector<double> x(eval.rows() * r.get<"transform">().width()), direct(eval.rows());
  r.get<"transform">().bind(eval)(eval.view(0, eval.rows()), x);
  model.predict({x.data(), eval.rows(), r.get<"transform">().width()}, direct);
  auto via_bundle = pred.predict(eval);
  CHECK(via_bundle == direct);
  // and scores what evaluate reported
  auto again = mp::evaluate_model(pred.trained_model(), pred.transform(), eval);
  CHECK(again.overall().metrics.at("accuracy") == doctest::Approx(accuracy).epsilon(1e-12));

  // served by this binary: the library's server with a registry holding the kind
  mp::server_options so;
  so.model_base = base;
  so.name = "iris";
  so.port = 0;
  so.registry = std::make_shared<mp::model_registry>(reg);
  mp::model_server server(so);
  server.start();
  REQUIRE(server.loaded_versions().size() == 1);
  json inst = json::array();
  for (std::size_t row = 0; row < eval.rows(); ++row) {
    json o = json::object();
    for (const auto& n : eval.names())
      if (n != "species") o[n] = eval.col(n).values()[row];
    inst.push_back(o);
  }
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Post("/v1/models/iris:predict", json{{"instances", inst}}.dump(), "application/json");
  REQUIRE(res);
  REQUIRE(res->status == 200);
  auto body = json::parse(res->body);
  REQUIRE(body["predictions"].size() == eval.rows());
  for (std::size_t row = 0; row < eval.rows(); ++row)
    CHECK(body["predictions"][row]["class"] == model.classes[static_cast<std::size_t>(direct[row])]);
  auto meta = json::parse(cli.Get("/v1/models/iris/metadata")->body);
  CHECK(meta["metadata"]["model_kind"] == "nearest_centroid");
  server.stop();
}
