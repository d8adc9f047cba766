// mlpipe against scikit-learn on the bundled data sets, same split: StandardScaler + LogisticRegression(C=1) /
// Ridge(alpha=1) run by /usr/bin/python3 in the test; accuracy and AUC within 0.01, RMSE within 1%.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/evaluate/roc_auc.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "train_test_util.hpp"

using namespace mlpipe;

namespace {

struct ours {
  double accuracy = 0, auc = 0, rmse = 0;
};

struct job {
  std::string name, data, label, task;
  bool binarize = false;
};

/// scikit-learn's metrics for every data set, from one run of the peer (Python starts once: ~3 s).
const nlohmann::json& sklearn_results() {
  static const nlohmann::json results = [] {
    const std::vector<job> jobs = {{"iris", "iris", "species", "multiclass"},
                                   {"breast_cancer", "breast_cancer", "diagnosis", "binary"},
                                   {"fair", "fair", "affairs", "binary", true},
                                   {"randhie", "randhie", "mdvis", "regression"}};
    auto dir = train_test::temp_dir("sklearn");
    std::ofstream list(dir / "jobs.txt");
    for (auto& j : jobs) {
      std::vector<std::size_t> tr, ev;
      train_test::split_rows(train_test::load(j.data).rows(), tr, ev);
      train_test::write_rows(dir / (j.name + ".train"), tr);
      train_test::write_rows(dir / (j.name + ".eval"), ev);
      list << j.name << ' ' << MLPIPE_DATA_DIR << '/' << j.data << ".csv " << j.label << ' ' << j.task << ' '
           << (dir / (j.name + ".train")).string() << ' ' << (dir / (j.name + ".eval")).string()
           << (j.binarize ? " --binarize" : "") << '\n';
    }
    list.close();
    auto out = train_test::run(std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_SOURCE_DIR +
                               "/tests/train/sklearn_peer.py " + (dir / "jobs.txt").string());
    std::filesystem::remove_all(dir);
    auto j = nlohmann::json::parse(out, nullptr, false);
    if (j.is_discarded()) j = nlohmann::json{{"error", out}};
    return j;
  }();
  return results;
}

nlohmann::json sklearn(const std::string& name) {
  auto& r = sklearn_results();
  INFO("peer output: " << r.dump());
  REQUIRE(r.contains(name));
  return r[name];
}

/// Fits the default transform and the model, and measures it on the eval split.
template <class M>
ours fit_and_measure(const examples& ex, double l2) {
  context ctx;
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  train<M> st;
  st.l2 = l2;
  auto m = st(ex, g, {}, ctx);
  std::vector<double> x(ex.eval.rows() * g.width());
  auto fb = g.bind(ex.eval)(ex.eval.view(), x);
  std::vector<double> pred(ex.eval.rows());
  m.predict(fb, pred);
  ours o;
  if (M::kind == model_kind::linear) {
    auto y = ex.eval.col(ex.label).values();
    double ss = 0;
    for (std::size_t r = 0; r < y.size(); ++r) ss += (pred[r] - y[r]) * (pred[r] - y[r]);
    o.rmse = std::sqrt(ss / static_cast<double>(y.size()));
    return o;
  }
  label_encoding enc = label_encoding::fit(ex.train, ex.label, true);
  std::vector<double> y(ex.eval.rows());
  enc.bind(ex.eval)(ex.eval.view(), y.data());
  std::size_t right = 0;
  for (std::size_t r = 0; r < y.size(); ++r) right += pred[r] == y[r];
  o.accuracy = static_cast<double>(right) / static_cast<double>(y.size());
  if (M::kind == model_kind::logistic) {
    std::vector<double> proba(2 * y.size()), score(y.size());
    m.predict_proba(fb, proba);
    std::vector<int> yi(y.size());
    for (std::size_t r = 0; r < y.size(); ++r) score[r] = proba[2 * r + 1], yi[r] = static_cast<int>(y[r]);
    o.auc = roc_auc(yi, score);
  }
  return o;
}
}  // namespace

TEST_CASE("iris, softmax regression: accuracy within 0.01 of scikit-learn") {
  std::vector<std::size_t> tr, ev;
  auto ex = train_test::split(train_test::load("iris"), "species", &tr, &ev);
  auto sk = sklearn("iris");
  auto o = fit_and_measure<softmax_regression>(ex, 1.0 / static_cast<double>(tr.size()));
  MESSAGE("iris accuracy: mlpipe " << o.accuracy << ", scikit-learn " << sk["accuracy"].get<double>());
  CHECK(std::abs(o.accuracy - sk["accuracy"].get<double>()) <= 0.01);
  CHECK(o.accuracy > 0.9);
}

TEST_CASE("breast_cancer, logistic regression: accuracy and AUC within 0.01 of scikit-learn") {
  std::vector<std::size_t> tr, ev;
  auto ex = train_test::split(train_test::load("breast_cancer"), "diagnosis", &tr, &ev);
  auto sk = sklearn("breast_cancer");
  auto o = fit_and_measure<logistic_regression>(ex, 1.0 / static_cast<double>(tr.size()));
  MESSAGE("breast_cancer accuracy " << o.accuracy << " vs " << sk["accuracy"].get<double>() << ", AUC " << o.auc
                                    << " vs " << sk["auc"].get<double>());
  CHECK(std::abs(o.accuracy - sk["accuracy"].get<double>()) <= 0.01);
  CHECK(std::abs(o.auc - sk["auc"].get<double>()) <= 0.01);
}

TEST_CASE("fair (affairs > 0), logistic regression: accuracy and AUC within 0.01 of scikit-learn") {
  std::vector<std::size_t> tr, ev;
  auto ex = train_test::split(train_test::fair_binary(), "had_affair", &tr, &ev);
  auto sk = sklearn("fair");
  auto o = fit_and_measure<logistic_regression>(ex, 1.0 / static_cast<double>(tr.size()));
  MESSAGE("fair accuracy " << o.accuracy << " vs " << sk["accuracy"].get<double>() << ", AUC " << o.auc << " vs "
                           << sk["auc"].get<double>());
  CHECK(std::abs(o.accuracy - sk["accuracy"].get<double>()) <= 0.01);
  CHECK(std::abs(o.auc - sk["auc"].get<double>()) <= 0.01);
}

TEST_CASE("randhie, ridge on mdvis: RMSE within 1% of scikit-learn") {
  std::vector<std::size_t> tr, ev;
  auto ex = train_test::split(train_test::load("randhie"), "mdvis", &tr, &ev);
  auto sk = sklearn("randhie");
  auto o = fit_and_measure<linear_regression>(ex, 1.0 / static_cast<double>(tr.size()));  // Ridge alpha = l2 n
  MESSAGE("randhie RMSE " << o.rmse << " vs " << sk["rmse"].get<double>());
  CHECK(std::abs(o.rmse - sk["rmse"].get<double>()) <= 0.01 * sk["rmse"].get<double>());
}
