// Models and optimizers: fused == unfused to 1e-12, deterministic for a seed, save/load, early stopping, l1
// sparsity, class weights, and clear errors for wrong labels.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <string>
#include <vector>

#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "train_test_util.hpp"

using namespace mlpipe;

namespace {
using train_test::max_weight_diff;

template <class M>
void check_fused_equals_unfused(train<M> st, const examples& ex, const transform_graph& g) {
  context ctx;
  st.fused = true;
  auto a = st(ex, g, {}, ctx);
  st.fused = false;
  auto b = st(ex, g, {}, ctx);
  CHECK(max_weight_diff(a, b) <= 1e-12);
  double wmax = 0;
  for (double w : a.weights) wmax = std::max(wmax, std::abs(w));
  CHECK(wmax > 1e-3);  // it learned something
}
}  // namespace

TEST_CASE("fused and unfused training give the same weights to 1e-12") {
  auto ex = train_test::split(train_test::load("breast_cancer"), "diagnosis");
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  for (std::string solver : {"sgd", "adam", "newton"}) {
    CAPTURE(solver);
    check_fused_equals_unfused(train<logistic_regression>{.solver = solver, .epochs = 3, .batch_size = 32,
                                                          .early_stopping = 2, .block_rows = 64},
                               ex, g);
  }
  auto iris = train_test::split(train_test::load("iris"), "species");
  auto gi = fit_transform_graph(default_ops(), iris.train, iris.label);
  check_fused_equals_unfused(train<softmax_regression>{.solver = "adam", .epochs = 5, .batch_size = 8, .block_rows = 16},
                             iris, gi);
  check_fused_equals_unfused(train<softmax_regression>{.solver = "newton"}, iris, gi);
  auto rh = train_test::split(train_test::load("randhie"), "mdvis");
  auto gr = fit_transform_graph(default_ops(), rh.train, rh.label);
  check_fused_equals_unfused(train<linear_regression>{.solver = "sgd", .epochs = 2, .learning_rate = 1e-3}, rh, gr);
  check_fused_equals_unfused(train<linear_regression>{.solver = "cholesky"}, rh, gr);
}

namespace {
// n rows of `cols` numeric features on different scales, a 0/1 label (or 1/2 with `label_offset`), and every
// `nan_every`-th value of columns 1 and 3 missing (0: none).
table synthetic(std::size_t n, std::size_t cols, std::size_t nan_every, double label_offset = 0.0) {
  table t;
  std::vector<double> score(n, 0.0);
  for (std::size_t j = 0; j < cols; ++j) {
    std::vector<double> v(n);
    for (std::size_t r = 0; r < n; ++r) {
      double z = std::sin(0.37 * static_cast<double>(r * (j + 1)) + static_cast<double>(j));
      v[r] = 10.0 * static_cast<double>(j) + static_cast<double>(j + 1) * z;
      score[r] += (j % 2 ? 1.0 : -0.5) * z;
      if (nan_every && (j == 1 || j == 3) && r % nan_every == 5) v[r] = std::nan("");
    }
    t.add(column::numeric("x" + std::to_string(j), std::move(v)));
  }
  std::vector<double> y(n);
  for (std::size_t r = 0; r < n; ++r) y[r] = (score[r] + 0.3 * std::cos(static_cast<double>(r)) > 0 ? 1.0 : 0.0) + label_offset;
  t.add(column::numeric("y", std::move(y)));
  return t;
}

examples as_examples(table t) {
  examples ex;
  std::vector<std::size_t> tr, ev;
  train_test::split_rows(t.rows(), tr, ev);
  ex.train = t.take(tr);
  ex.eval = t.take(ev);
  ex.label = "y";
  return ex;
}
}  // namespace

TEST_CASE("the fused epoch reads the table's columns in place when the transform is affine; same model as unfused") {
  // missing values in two columns: their chunks go through validate | impute | standardize row-wise
  auto ex = as_examples(synthetic(900, 7, 37));
  auto g = fit_transform_graph(impute_mean | standardize, ex.train, "y");
  {
    auto enc = label_encoding::fit(ex.train, "y", true);
    fused_source src(ex.train, g, enc, 128);
    auto cb = src.columns(0);
    REQUIRE(cb.has_value());  // the in-place path is the one under test
    CHECK(cb->columns.size() == 7);
    CHECK(cb->y.data() == ex.train.col("y").values().data());  // 0/1 labels are read in place too
  }
  for (std::string solver : {"sgd", "adam"}) {
    CAPTURE(solver);
    check_fused_equals_unfused(train<logistic_regression>{.solver = solver, .epochs = 3, .batch_size = 32,
                                                          .early_stopping = 2, .block_rows = 96},
                               ex, g);
  }
  check_fused_equals_unfused(train<linear_regression>{.solver = "sgd", .epochs = 3, .batch_size = 20, .learning_rate = 1e-3},
                             ex, g);
  // labels 1/2 are encoded per block instead of read in place; l1 as well
  auto ex2 = as_examples(synthetic(600, 5, 0, 1.0));
  auto g2 = fit_transform_graph(make_ops(standardize), ex2.train, "y");
  check_fused_equals_unfused(train<logistic_regression>{.solver = "adam", .l1 = 1e-3, .epochs = 2, .batch_size = 16}, ex2, g2);
}

TEST_CASE("the fused epoch's AVX2 build (chosen at run time) gives the SSE2 build's weights bit for bit") {
  auto ex = as_examples(synthetic(900, 7, 37));
  auto g = fit_transform_graph(impute_mean | standardize, ex.train, "y");
  context ctx;
  bool& avx2 = detail::use_avx2();
  const bool had = avx2;
  if (!had) MESSAGE("this CPU has no AVX2: both runs use the SSE2 build");
  auto both = [&](auto st) {
    avx2 = false;
    auto a = st(ex, g, {}, ctx);
    avx2 = had;
    auto b = st(ex, g, {}, ctx);
    CHECK(a.weights == b.weights);
    CHECK(a.bias == b.bias);
  };
  both(train<logistic_regression>{.solver = "adam", .epochs = 2, .batch_size = 32});
  both(train<linear_regression>{.solver = "sgd", .epochs = 2, .batch_size = 20, .learning_rate = 1e-3});
}

TEST_CASE("the fused epoch still rejects a missing value the transform does not impute, naming row and column") {
  auto ex = as_examples(synthetic(300, 5, 41));
  auto g = fit_transform_graph(make_ops(standardize), ex.train, "y");  // fitted on NaN-free statistics below
  context ctx;
  for (bool fused : {true, false}) {
    CAPTURE(fused);
    train<logistic_regression> st{.solver = "sgd", .epochs = 1, .fused = fused};
    try {
      st.fit(ex.train, nullptr, g, "y", ctx);
      FAIL("training on a missing value should throw");
    } catch (const transform_error& e) {
      std::string what = e.what();
      CHECK(what.find("column 'x1'") != std::string::npos);
      CHECK(what.find("row 31,") != std::string::npos);  // table row 46 (46 % 41 == 5) is train row 31
    }
  }
}

TEST_CASE("training is deterministic for a seed; another seed gives another SGD path") {
  auto ex = train_test::split(train_test::load("breast_cancer"), "diagnosis");
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  context ctx;
  train<logistic_regression> st{.solver = "sgd", .epochs = 4, .batch_size = 16, .seed = 7, .block_rows = 32};
  auto a = st(ex, g, {}, ctx);
  auto b = st(ex, g, {}, ctx);
  CHECK(a.weights == b.weights);
  CHECK(a.fingerprint() == b.fingerprint());
  st.seed = 8;
  auto c = st(ex, g, {}, ctx);
  CHECK(max_weight_diff(a, c) > 0);
  // thread count is not an input: the same model under a context with 4 threads
  context ctx4("p", "train", "r", {}, 4);
  st.seed = 7;
  auto d = st(ex, g, {}, ctx4);
  CHECK(d.weights == a.weights);
}

TEST_CASE("a model saves, loads and predicts the same; predict_proba rows sum to 1") {
  auto ex = train_test::split(train_test::load("iris"), "species");
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  context ctx;
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  CHECK(m.classes == std::vector<std::string>{"setosa", "versicolor", "virginica"});
  auto dir = train_test::temp_dir("model");
  m.save(dir);
  auto l = model::load(dir);
  CHECK(l.fingerprint() == m.fingerprint());
  std::vector<double> x(ex.eval.rows() * g.width()), p1(ex.eval.rows() * 3), p2(p1.size());
  auto fb = g.bind(ex.eval)(ex.eval.view(), x);
  m.predict_proba(fb, p1);
  l.predict_proba(fb, p2);
  CHECK(p1 == p2);
  for (std::size_t r = 0; r < ex.eval.rows(); ++r)
    CHECK(p1[3 * r] + p1[3 * r + 1] + p1[3 * r + 2] == doctest::Approx(1.0));
  {
    std::ofstream(dir / "model.json") << "{\"format\": \"mlpipe.model\", \"version\": 99}";
  }
  CHECK_THROWS_WITH_AS(model::load(dir), doctest::Contains("version 99 is not supported"), model_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("early stopping keeps the best epoch on the eval split's loss") {
  auto ex = train_test::split(train_test::fair_binary(), "had_affair");
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  context ctx;
  // a learning rate this high oscillates: the eval loss stops improving and training stops early
  train<logistic_regression> st{.solver = "sgd", .epochs = 200, .batch_size = 16, .learning_rate = 0.5,
                                .early_stopping = 3};
  auto m = st(ex, g, {}, ctx);
  auto& rep = st.report();
  CHECK(rep.epochs < 200);
  CHECK(rep.best_epoch >= 1);
  CHECK(rep.best_epoch + 3 == rep.epochs);
  CHECK(m.training["best_epoch"] == rep.best_epoch);
}

TEST_CASE("l1 through the proximal step zeroes weights; l2 alone does not") {
  auto ex = train_test::split(train_test::load("breast_cancer"), "diagnosis");
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  context ctx;
  auto count_zero = [](const model& m) {
    std::size_t z = 0;
    for (double w : m.weights) z += w == 0.0;
    return z;
  };
  auto sparse = train<logistic_regression>{.solver = "sgd", .l2 = 0, .l1 = 0.05, .epochs = 30, .batch_size = 128,
                                          .learning_rate = 0.05, .momentum = 0}(ex, g, {}, ctx);
  auto dense = train<logistic_regression>{.solver = "sgd", .l2 = 1e-3, .epochs = 30, .batch_size = 32}(ex, g, {}, ctx);
  CHECK(count_zero(sparse) >= sparse.weights.size() / 3);
  CHECK(count_zero(sparse) < sparse.weights.size());
  CHECK(count_zero(dense) == 0);
  CHECK_THROWS_WITH_AS((train<logistic_regression>{.solver = "newton", .l1 = 0.1}(ex, g, {}, ctx)),
                       doctest::Contains("l1 needs a proximal solver"), model_error);
}

TEST_CASE("balanced class weights raise the recall of the rare class") {
  auto ex = train_test::split(train_test::fair_binary(), "had_affair");  // about 1/3 positive
  auto g = fit_transform_graph(default_ops(), ex.train, ex.label);
  context ctx;
  auto plain = train<logistic_regression>{}(ex, g, {}, ctx);
  auto balanced = train<logistic_regression>{.class_weight = "balanced"}(ex, g, {}, ctx);
  std::vector<double> x(ex.eval.rows() * g.width()), p(ex.eval.rows()), q(ex.eval.rows()), y(ex.eval.rows());
  auto fb = g.bind(ex.eval)(ex.eval.view(), x);
  plain.predict(fb, p);
  balanced.predict(fb, q);
  auto yv = ex.eval.col("had_affair").values();
  double tp_p = 0, tp_q = 0, pos = 0;
  for (std::size_t r = 0; r < yv.size(); ++r)
    if (yv[r] == 1) ++pos, tp_p += p[r], tp_q += q[r];
  CHECK(tp_q / pos > tp_p / pos + 0.1);
}

TEST_CASE("labels: names or numbers; wrong labels are clear errors") {
  auto iris = train_test::split(train_test::load("iris"), "species");
  auto g = fit_transform_graph(default_ops(), iris.train, iris.label);
  context ctx;
  CHECK_THROWS_WITH_AS(train<logistic_regression>{}(iris, g, {}, ctx), doctest::Contains("use softmax_regression"), model_error);
  CHECK_THROWS_WITH_AS(train<linear_regression>{}(iris, g, {}, ctx), doctest::Contains("needs a numeric label"), model_error);
  // numeric class labels 0/1 work and are named "0", "1"
  auto fair = train_test::split(train_test::fair_binary(), "had_affair");
  auto gf = fit_transform_graph(default_ops(), fair.train, fair.label);
  auto m = train<logistic_regression>{}(fair, gf, {}, ctx);
  CHECK(m.classes == std::vector<std::string>{"0", "1"});
  // a missing label names its row
  auto bad = fair;
  auto& col = bad.train.col("had_affair");
  col.values()[5] = std::nan("");
  table t2;
  for (auto& c : bad.train.columns())
    t2.add(c.name() == "had_affair" ? column::numeric(c.name(), {c.values().begin(), c.values().end()}) : c);
  bad.train = t2;
  CHECK_THROWS_WITH_AS(train<logistic_regression>{}(bad, gf, {}, ctx), doctest::Contains("row 5: label 'had_affair' is missing"),
                       model_error);
}
