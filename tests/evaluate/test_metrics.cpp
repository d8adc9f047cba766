// Evaluation metrics equal scikit-learn's `metrics` functions on the same predictions, to 1e-9.
// The predictions are generated here, scikit-learn is run on them by tests/evaluate/sklearn_metrics.py.
#include <doctest/doctest.h>

#include <algorithm>

#include <numeric>

#include <cmath>
#include <random>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/evaluate/metrics.hpp>

#include "python_peer.hpp"

namespace {

using mlpipe::predictions;
using mlpipe::task_kind;

// Probabilities from integer-valued logits, so many scores tie exactly (and rows still sum to 1).
predictions make_classification(std::size_t n, std::size_t k, unsigned seed, bool coarse, bool saturate = false,
                                int absent_class = -1) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> cls(0, static_cast<int>(k) - 1);
  std::normal_distribution<double> noise(0, 1.5);
  predictions p;
  p.task = k == 2 ? task_kind::binary : task_kind::multiclass;
  p.classes = k;
  for (std::size_t i = 0; i < n; ++i) {
    int y = cls(rng);
    if (y == absent_class) y = (y + 1) % static_cast<int>(k);
    p.label.push_back(y);
    std::vector<double> logit(k);
    double sum = 0;
    for (std::size_t c = 0; c < k; ++c) {
      double z = noise(rng) + (static_cast<int>(c) == y ? 1.0 : 0.0);
      if (coarse) z = std::round(z);
      if (saturate) z *= 40;  // probabilities of exactly 0 and 1: the log loss clips them
      if (static_cast<int>(c) == absent_class) z = -3;
      logit[c] = std::exp(z);
      sum += logit[c];
    }
    for (std::size_t c = 0; c < k; ++c) p.proba.push_back(logit[c] / sum);
  }
  return p;
}

predictions make_regression(std::size_t n, unsigned seed, bool constant_target = false) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> d(0, 1);
  predictions p;
  p.task = task_kind::regression;
  for (std::size_t i = 0; i < n; ++i) {
    double x = d(rng);
    double y = constant_target ? 2.5 : 3 * x + d(rng);
    p.target.push_back(y);
    p.value.push_back(3.1 * x + 0.2);
  }
  return p;
}

nlohmann::json as_case(const predictions& p) {
  nlohmann::json c;
  if (p.task == task_kind::regression) {
    c = {{"kind", "regression"}, {"y", p.target}, {"pred", p.value}};
    return c;
  }
  c["kind"] = p.task == task_kind::binary ? "binary" : "multiclass";
  c["y"] = p.label;
  nlohmann::json rows = nlohmann::json::array();
  for (std::size_t i = 0; i < p.label.size(); ++i)
    rows.push_back(std::vector<double>(p.proba.begin() + static_cast<std::ptrdiff_t>(i * p.classes),
                                       p.proba.begin() + static_cast<std::ptrdiff_t>((i + 1) * p.classes)));
  c["proba"] = rows;
  return c;
}

void check_close(double ours, double theirs, const std::string& what) {
  INFO(what << ": mlpipe " << ours << " vs scikit-learn " << theirs);
  CHECK(std::abs(ours - theirs) <= 1e-9);
}

void compare(const predictions& p, const nlohmann::json& sk, const std::string& name) {
  auto m = mlpipe::compute_metrics(p);
  if (p.task == task_kind::regression) {
    for (const char* k : {"rmse", "mse", "mae", "r2"}) check_close(m.at(k), sk.at(k).get<double>(), name + " " + k);
    check_close(mlpipe::rmse(p.target, p.value), sk.at("rmse").get<double>(), name + " rmse()");
    check_close(mlpipe::r2(p.target, p.value), sk.at("r2").get<double>(), name + " r2()");
    return;
  }
  for (const char* k : {"accuracy", "precision_macro", "recall_macro", "f1_macro", "precision_micro", "recall_micro",
                        "f1_micro", "log_loss"})
    check_close(m.at(k), sk.at(k).get<double>(), name + " " + k);
  if (sk.at("auc").is_null())
    CHECK_MESSAGE(m.count("auc") == 0, name << ": AUC must be left out when a class is absent from the labels");
  else
    check_close(m.at("auc"), sk.at("auc").get<double>(), name + " auc");
  for (std::size_t c = 0; c < p.classes; ++c) {
    auto cs = std::to_string(c);
    check_close(m.at("precision/" + cs), sk["precision_per_class"][c].get<double>(), name + " precision/" + cs);
    check_close(m.at("recall/" + cs), sk["recall_per_class"][c].get<double>(), name + " recall/" + cs);
    check_close(m.at("f1/" + cs), sk["f1_per_class"][c].get<double>(), name + " f1/" + cs);
  }
  mlpipe::confusion_matrix cm(p.label, p.predicted_class(), p.classes);
  for (std::size_t t = 0; t < p.classes; ++t)
    for (std::size_t q = 0; q < p.classes; ++q) {
      INFO(name << " confusion(" << t << "," << q << ")");
      CHECK(cm(t, q) == sk["confusion_matrix"][t][q].get<std::uint64_t>());
    }
  for (std::size_t c = 0; c < p.classes; ++c) CHECK(cm.support(c) == sk["support_per_class"][c].get<std::uint64_t>());
  if (p.task == task_kind::binary) {
    for (const char* k : {"precision", "recall", "f1"}) check_close(m.at(k), sk.at(k).get<double>(), name + " " + k);
    std::vector<double> p1;
    for (std::size_t i = 0; i < p.label.size(); ++i) p1.push_back(p.proba[2 * i + 1]);
    check_close(mlpipe::roc_auc(p.label, p1), sk.at("auc").get<double>(), name + " roc_auc()");
    check_close(mlpipe::log_loss(p.label, p1), sk.at("log_loss_1d").get<double>(), name + " log_loss(1-d)");
  }
}

}  // namespace

TEST_CASE("metrics equal scikit-learn's on the same predictions") {
  std::vector<std::pair<std::string, predictions>> cases = {
      {"binary, continuous scores", make_classification(600, 2, 1, false)},
      {"binary, heavily tied scores", make_classification(400, 2, 2, true)},
      {"binary, saturated probabilities (clipping)", make_classification(300, 2, 3, false, true)},
      {"3 classes, continuous", make_classification(500, 3, 4, false)},
      {"4 classes, tied scores", make_classification(500, 4, 5, true)},
      {"4 classes, class 3 never a label nor predicted", make_classification(300, 4, 6, false, false, 3)},
      {"binary, 7 examples", make_classification(7, 2, 7, true)},
      {"regression", make_regression(800, 8)},
      {"regression, constant target", make_regression(50, 9, true)},
  };
  nlohmann::json input;
  for (auto& [name, p] : cases) input["cases"].push_back(as_case(p));
  auto answers = mlpipe::test::run_python_peer("sklearn_metrics.py", input).at("answers");
  REQUIRE(answers.size() == cases.size());
  for (std::size_t i = 0; i < cases.size(); ++i) {
    compare(cases[i].second, answers[i], cases[i].first);
  }
}

TEST_CASE("AUC counts a tie between a positive and a negative as one half") {
  std::vector<int> y = {1, 0, 1, 0};
  std::vector<double> s = {0.5, 0.5, 0.9, 0.1};
  // pairs (pos, neg): (0.5,0.5) tie = 1/2, (0.5,0.1) = 1, (0.9,0.5) = 1, (0.9,0.1) = 1 -> 3.5 / 4
  CHECK(mlpipe::roc_auc(y, s) == doctest::Approx(0.875));
  CHECK(std::isnan(mlpipe::roc_auc(std::vector<int>{1, 1}, std::vector<double>{0.2, 0.3})));
}

TEST_CASE("metrics reject mismatched inputs with a clear message") {
  std::vector<int> y = {0, 1, 2};
  std::vector<int> pred = {0, 1};
  CHECK_THROWS_WITH_AS(mlpipe::accuracy(y, pred), doctest::Contains("3 labels but 2 predictions"), std::invalid_argument);
  CHECK_THROWS_WITH_AS(mlpipe::confusion_matrix(y, std::vector<int>{0, 1, 5}, 3), doctest::Contains("prediction 5 at row 2"),
                       std::invalid_argument);
  CHECK_THROWS_AS(mlpipe::log_loss(std::vector<int>{0, 2}, std::vector<double>{0.1, 0.2}), std::invalid_argument);
}

TEST_CASE("roc_auc on a large set (radix sort) equals the rank-sum formula, with ties, negatives and -0") {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> coarse(-300, 300);
  std::vector<int> y(30000);
  std::vector<double> s(y.size());
  for (std::size_t i = 0; i < y.size(); ++i) {
    s[i] = coarse(rng) / 7.0;  // many ties
    if (i % 97 == 0) s[i] = i % 2 ? -0.0 : 0.0;
    if (i % 101 == 0) s[i] = 1e300 * (i % 3 ? 1 : -1);
    y[i] = (s[i] + coarse(rng) / 5.0 > 0) ? 1 : 0;
  }
  // Mann-Whitney: AUC = (sum of the positives' mid-ranks - P (P + 1) / 2) / (P N)
  std::vector<std::size_t> idx(y.size());
  std::iota(idx.begin(), idx.end(), std::size_t{0});
  std::sort(idx.begin(), idx.end(), [&](auto a, auto b) { return s[a] < s[b]; });
  double rank_sum = 0, P = 0;
  for (std::size_t i = 0; i < idx.size();) {
    std::size_t j = i;
    while (j < idx.size() && s[idx[j]] == s[idx[i]]) ++j;
    const double mid = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k)
      if (y[idx[k]] == 1) rank_sum += mid, P += 1;
    i = j;
  }
  const double N = static_cast<double>(y.size()) - P;
  CHECK(mlpipe::roc_auc(y, s) == doctest::Approx((rank_sum - P * (P + 1) / 2) / (P * N)).epsilon(1e-12));
}
