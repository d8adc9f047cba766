// A user's own preprocessing op written as an xtensor expression: fitted and applied like a built-in op,
// trained through the fused chain, saved by name and loaded only where it is registered.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/xtensor_op.hpp>

#include "train_test_util.hpp"

using namespace mlpipe;

namespace {
// The ops a user writes: one line of xtensor each.
struct signed_log : xtensor_op<signed_log> {
  static constexpr std::string_view op_name = "signed_log";
  auto operator()(const auto& x) const { return xt::sign(x) * xt::log1p(xt::abs(x)); }
};
struct impostor_log : xtensor_op<impostor_log> {  // a second op under a name signed_log has taken
  static constexpr std::string_view op_name = "signed_log";
  auto operator()(const auto& x) const { return xt::log(x); }
};
struct log1p_xt : xtensor_op<log1p_xt> {  // what the built-in log1p does
  static constexpr std::string_view op_name = "log1p_xt";
  auto operator()(const auto& x) const { return xt::log1p(x); }
};

const double nan = std::numeric_limits<double>::quiet_NaN();

table signed_table() {
  table t;
  t.add(column::numeric("x", {-40, 3, nan, 0.5, 900, -2, 7, nan, 12, -0.25}));
  t.add(column::numeric("z", {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}));
  t.add(column::categorical("c", std::vector<std::optional<std::string>>{"a", "b", "a", "b", "a", "b", "a", "b", "a", "b"}));
  t.add(column::numeric("y", {0, 1, 0, 1, 1, 0, 1, 0, 1, 1}));
  return t;
}

}  // namespace

TEST_CASE("xtensor op: fitted between built-in ops, its features are the expression's, row alone == in block") {
  auto t = signed_table();
  auto g = fit_transform_graph(impute_mean | signed_log{}.on({"x"}) | standardize | one_hot, t, "y");
  REQUIRE(g.width() == 1 + 1 + 3);  // x, z, c=a, c=b, c=<oov>
  // by hand: x imputed with the mean of its present values, then sign(x) log(1 + |x|), then standardized
  // with the population mean and deviation of that
  auto xs = t.col("x").values();
  double sum = 0, n = 0;
  for (double v : xs)
    if (!std::isnan(v)) sum += v, ++n;
  std::vector<double> s;
  for (double v : xs) {
    double w = std::isnan(v) ? sum / n : v;
    const double sign = (w > 0) - (w < 0);
    s.push_back(sign * std::log1p(std::abs(w)));
  }
  double mean = 0, m2 = 0;
  for (double v : s) mean += v / static_cast<double>(s.size());
  for (double v : s) m2 += (v - mean) * (v - mean);
  const double sd = std::sqrt(m2 / static_cast<double>(s.size()));
  const std::size_t W = g.width(), xi = g.columns[0].offset;
  std::vector<double> all(t.rows() * W), one(W);
  auto b = g.bind(t);
  b(t.view(), all);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    CAPTURE(r);
    CHECK(all[r * W + xi] == doctest::Approx((s[r] - mean) / sd).epsilon(1e-12));
    b(t.view(r, r + 1), one);
    for (std::size_t j = 0; j < W; ++j) CHECK(one[j] == all[r * W + j]);  // the same bits alone
  }
  // as a pipeline stage, with the op in its parameters (so in its cache key)
  examples ex;
  ex.train = t;
  ex.label = "y";
  context ctx;
  auto stage = fit_transform{impute_mean | signed_log{}.on({"x"}) | standardize | one_hot};
  CHECK(stage(ex, {}, ctx) == g);
  CHECK(nlohmann::json(stage.ops).dump().find("\"op\":\"signed_log\"") != std::string::npos);
  // `.on({"x"})`: z only imputed and standardized, no log
  CHECK(g.columns[1].steps.size() == 2);
  CHECK(g.columns[0].steps[1].name == "signed_log");
}

TEST_CASE("xtensor op: the same numbers as the built-in op it mirrors, and fused training == unfused") {
  auto ex = train_test::split(train_test::load("randhie"), "mdvis");
  auto builtin = fit_transform_graph(impute_mean | mlpipe::log1p.on({"lpi", "disea"}) | standardize, ex.train, ex.label);
  auto user = fit_transform_graph(impute_mean | log1p_xt{}.on({"lpi", "disea"}) | standardize, ex.train, ex.label);
  REQUIRE(builtin.width() == user.width());
  std::vector<double> a(ex.eval.rows() * builtin.width()), u(a.size());
  builtin.transform(ex.eval.view(), a);
  user.transform(ex.eval.view(), u);
  double worst = 0;
  for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - u[i]));
  CHECK(worst <= 1e-12);

  context ctx;
  train<linear_regression> st{.solver = "adam", .epochs = 2, .learning_rate = 1e-3, .block_rows = 128};
  auto fused = st(ex, user, {}, ctx);
  st.fused = false;
  auto unfused = st(ex, user, {}, ctx);
  CHECK(train_test::max_weight_diff(fused, unfused) <= 1e-12);
  st.fused = true;
  CHECK(train_test::max_weight_diff(fused, st(ex, builtin, {}, ctx)) <= 1e-9);
}

TEST_CASE("xtensor op: saved by name; loading it unregistered is an error naming the op") {
  auto t = signed_table();
  auto g = fit_transform_graph(impute_mean | signed_log{} | standardize, t, "y");
  auto j = g.to_json();
  CHECK(j["columns"][0]["steps"][1]["kind"] == "user");
  CHECK(j["columns"][0]["steps"][1]["name"] == "signed_log");
  auto back = transform_graph::from_json(j);
  CHECK(back.fingerprint() == g.fingerprint());
  std::vector<double> x(t.rows() * g.width()), y(x.size());
  g.transform(t.view(), x);
  back.transform(t.view(), y);
  CHECK(x == y);

  j["columns"][0]["steps"][1]["name"] = "signed_sqrt";  // never registered in this program
  try {
    (void)transform_graph::from_json(j, "bundle/transform_graph.json");
    FAIL("an unregistered user step loaded");
  } catch (const transform_error& e) {
    std::string what = e.what();
    CHECK(what.find("bundle/transform_graph.json") != std::string::npos);
    CHECK(what.find("'signed_sqrt' is not registered") != std::string::npos);
  }
  // registering another kernel under a taken name is refused
  CHECK_THROWS_AS(register_step("signed_log", &log1p_xt::apply), std::invalid_argument);
  CHECK_NOTHROW(register_op<signed_log>());
  // fitting an op whose name another op's kernel holds fails, every time (the op registers once per type)
  CHECK_THROWS_AS((void)fit_transform_graph(impostor_log{} | standardize, t, "y"), std::invalid_argument);
  CHECK_THROWS_AS((void)fit_transform_graph(impostor_log{} | standardize, t, "y"), std::invalid_argument);
  CHECK_NOTHROW((void)fit_transform_graph(signed_log{} | standardize, t, "y"));
}
