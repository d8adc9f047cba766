// Preprocessing: fitted on train only, the same numbers for a row alone and inside a block, unseen categories
// in the out-of-vocabulary slot, save/load round trip, clear errors on non-finite features.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/transform/fit_from_statistics.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/detail/fast_exp.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

#include "train_test_util.hpp"

using namespace mlpipe;

namespace {
const double nan = std::numeric_limits<double>::quiet_NaN();

table mixed_table() {
  table t;
  t.add(column::numeric("age", {23, 35, nan, 51, 44, 29, 62, 38, nan, 47}));
  t.add(column::numeric("income", {1e3, 5e4, 2e4, 0, 7.5e4, 3e4, 1.2e5, 4e4, 6e4, 9e3}));
  std::vector<std::optional<std::string>> color = {"red", "blue", "red", std::nullopt, "green",
                                                   "red", "blue", "green", "red", "blue"};
  t.add(column::categorical("color", color));
  std::vector<std::optional<std::string>> city = {"Lyon", "Oslo", "Kyiv", "Lima", "Oslo",
                                                  "Pune", "Lyon", "Rome", std::nullopt, "Kyiv"};
  t.add(column::strings("city", city));
  t.add(column::numeric("y", {0, 1, 0, 1, 1, 0, 1, 0, 1, 1}));
  return t;
}

template <class Ops>
void check_row_alone_equals_block(const Ops& ops, const table& t) {
  auto g = fit_transform_graph(ops, t, "y");
  auto b = g.bind(t);
  const std::size_t W = g.width();
  std::vector<double> all(t.rows() * W), one(W);
  b(t.view(), all);
  for (std::size_t r = 0; r < t.rows(); ++r) {
    b(t.view(r, r + 1), one);
    for (std::size_t j = 0; j < W; ++j) CHECK(one[j] == all[r * W + j]);  // bit-identical, not approximately
  }
  // and in blocks of 3 rows
  std::vector<double> blk(3 * W);
  for (std::size_t r0 = 0; r0 < t.rows(); r0 += 3) {
    std::size_t r1 = std::min(t.rows(), r0 + 3);
    b(t.view(r0, r1), blk);
    for (std::size_t i = 0; i < (r1 - r0) * W; ++i) CHECK(blk[i] == all[r0 * W + i]);
  }
}
}  // namespace

TEST_CASE("transform: a row transformed alone equals the row transformed inside a block") {
  auto t = mixed_table();
  check_row_alone_equals_block(impute_mean | standardize | one_hot, t);
  check_row_alone_equals_block(impute_median | mlpipe::log1p | clip(0, 10) | min_max | impute_most_frequent | one_hot, t);
  check_row_alone_equals_block(impute_mean | bucketize(4) | one_hot | feature_hash(16), t);
  check_row_alone_equals_block(impute_constant(-1.0) | bucketize(3) | standardize, t);
}

TEST_CASE("transform: statistics come from the fitted split; standardize matches its definition") {
  auto t = mixed_table();
  auto g = fit_transform_graph(impute_mean | standardize | one_hot, t, "y");
  // age: mean of the 8 present values fills the 2 missing ones, then (x - mean) / population sd
  std::vector<double> age;
  double s = 0;
  for (double v : t.col("age").values())
    if (!std::isnan(v)) age.push_back(v), s += v;
  double mean = s / static_cast<double>(age.size());
  double ss = 0;
  for (double v : age) ss += (v - mean) * (v - mean);
  double sd = std::sqrt(ss / 10.0);  // imputed values are at the mean: they add n, not variance
  std::vector<double> out(t.rows() * g.width());
  g.bind(t)(t.view(), out);
  auto names = g.feature_names();
  REQUIRE(names[0] == "age");
  CHECK(out[0 * g.width()] == doctest::Approx((23 - mean) / sd).epsilon(1e-12));
  CHECK(out[2 * g.width()] == doctest::Approx(0.0));  // the imputed row sits at the mean
  // the label is not a feature; the string column is skipped without feature_hash
  for (auto& n : names) {
    CHECK(n != "y");
    CHECK(n.rfind("city", 0) != 0);
  }
  CHECK(g.label == "y");
}

TEST_CASE("transform: one_hot puts unseen and missing categories in the out-of-vocabulary slot") {
  auto t = mixed_table();
  auto g = fit_transform_graph(impute_mean | standardize | one_hot, t, "y");
  table serve;
  serve.add(column::numeric("age", {30, 30}));
  serve.add(column::numeric("income", {1e4, 1e4}));
  std::vector<std::optional<std::string>> color = {"purple", "blue"};
  serve.add(column::categorical("color", color));
  std::vector<double> out(2 * g.width());
  REQUIRE_NOTHROW(g.transform(serve.view(), out));
  auto names = g.feature_names();
  for (std::size_t j = 0; j < names.size(); ++j) {
    if (names[j] == "color=<oov>") CHECK(out[j] == 1.0);
    if (names[j] == "color=blue") CHECK(out[g.width() + j] == 1.0);
    if (names[j].rfind("color=", 0) == 0 && names[j] != "color=<oov>") CHECK(out[j] == 0.0);
  }
  // a missing color in the fitted table (row 3) went to <oov> too
  std::vector<double> all(t.rows() * g.width());
  g.bind(t)(t.view(), all);
  for (std::size_t j = 0; j < names.size(); ++j)
    if (names[j] == "color=<oov>") CHECK(all[3 * g.width() + j] == 1.0);
}

TEST_CASE("transform: fitted with a schema, one_hot's vocabulary is the column's domain") {
  auto t = mixed_table();
  // the schema allows purple (absent from the data) and not green (present); city gets a domain too
  schema sc;
  column_schema color{.name = "color", .type = column_kind::categorical};
  color.domain = std::vector<std::string>{"red", "blue", "purple"};
  column_schema city{.name = "city", .type = column_kind::string};
  city.domain = std::vector<std::string>{"Lyon", "Oslo"};
  sc.columns = {color, city};
  CHECK(schema_domains(sc).size() == 2);

  examples ex;
  ex.train = t;
  ex.label = "y";
  context ctx;
  auto g = fit_transform{impute_mean | standardize | one_hot}(ex, optional_input<schema>(&sc), ctx);
  auto names = g.feature_names();
  auto slot = [&](const std::string& n) {
    auto it = std::find(names.begin(), names.end(), n);
    REQUIRE(it != names.end());
    return static_cast<std::size_t>(it - names.begin());
  };
  for (auto n : {"color=blue", "color=purple", "color=red", "color=<oov>", "city=Lyon", "city=Oslo", "city=<oov>"})
    CHECK(std::count(names.begin(), names.end(), n) == 1);
  CHECK(std::count(names.begin(), names.end(), "color=green") == 0);
  // without the schema: the train split's values, and the free-text city is not a feature
  auto plain = fit_transform_graph(impute_mean | standardize | one_hot, t, "y").feature_names();
  CHECK(std::count(plain.begin(), plain.end(), "color=green") == 1);
  CHECK(std::count(plain.begin(), plain.end(), "color=purple") == 0);
  CHECK(std::count(plain.begin(), plain.end(), "city=Lyon") == 0);

  // serving: purple has its own slot; green (outside the domain) and Kyiv go out of vocabulary
  table serve;
  serve.add(column::numeric("age", {30, 30}));
  serve.add(column::numeric("income", {1e4, 1e4}));
  serve.add(column::categorical("color", std::vector<std::optional<std::string>>{"purple", "green"}));
  serve.add(column::strings("city", std::vector<std::optional<std::string>>{"Oslo", "Kyiv"}));
  std::vector<double> out(2 * g.width());
  REQUIRE_NOTHROW(g.transform(serve.view(), out));
  const std::size_t W = g.width();
  CHECK(out[slot("color=purple")] == 1.0);
  CHECK(out[slot("color=<oov>")] == 0.0);
  CHECK(out[W + slot("color=<oov>")] == 1.0);
  CHECK(out[slot("city=Oslo")] == 1.0);
  CHECK(out[W + slot("city=<oov>")] == 1.0);
}

TEST_CASE("transform: the default preprocessing fitted from statistics equals the fit on the rows") {
  // `mlpipe train` fits from the statistics it already has (one pass fewer); the model must not notice.
  auto check = [](const table& t, const std::string& label, const category_domains& domains) {
    CAPTURE(label);
    auto rows = fit_transform_graph(default_ops(), t, label, {}, domains);
    auto stats = fit_default_transform_from_statistics(compute_statistics(t, "train"), t.names(), label, {}, domains);
    REQUIRE(rows.feature_names() == stats.feature_names());
    const std::size_t W = rows.width();
    std::vector<double> a(t.rows() * W), b(t.rows() * W);
    rows.transform(t.view(), a);
    stats.transform(t.view(), b);
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
    CHECK(worst < 1e-9);
  };
  auto t = mixed_table();
  check(t, "y", {});
  check(t, "y", {{"color", {"red", "blue", "purple"}}, {"city", {"Lyon", "Oslo"}}});
  for (auto [file, label] : {std::pair{"iris", "species"}, {"fair", "affairs"}, {"breast_cancer", "diagnosis"},
                             {"randhie", "mdvis"}}) {
    auto d = read_csv(std::string(MLPIPE_DATA_DIR) + "/" + file + ".csv");
    auto domains = schema_domains(infer_schema_from(compute_statistics(d, "train")));
    domains.erase(label);
    check(d, label, domains);
  }
}

TEST_CASE("transform: feature hashing handles wide categoricals and strings, stably") {
  auto t = mixed_table();
  auto g = fit_transform_graph(impute_mean | one_hot | feature_hash(8, 3), t, "y");
  bool city_hashed = false, color_hashed = false;
  for (auto& c : g.columns) {
    if (c.column == "city") city_hashed = c.encoding == feature_encoding::hashed;
    if (c.column == "color") color_hashed = c.encoding == feature_encoding::hashed;
  }
  CHECK(city_hashed);
  CHECK(color_hashed);  // 3 distinct values >= min_distinct 3
  auto g2 = fit_transform_graph(impute_mean | one_hot | feature_hash(8, 4), t, "y");
  for (auto& c : g2.columns)
    if (c.column == "color") CHECK(c.encoding == feature_encoding::one_hot);
  // each row sets exactly one hashed slot of city (or none when missing)
  std::vector<double> out(t.rows() * g.width());
  g.bind(t)(t.view(), out);
  std::size_t off = 0;
  for (auto& c : g.columns)
    if (c.column == "city") off = c.offset;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    double s = 0;
    for (std::size_t j = 0; j < 8; ++j) s += out[r * g.width() + off + j];
    CHECK(s == (r == 8 ? 0.0 : 1.0));
  }
}

TEST_CASE("transform: save and load give the same graph, fingerprint and features") {
  auto t = mixed_table();
  auto g = fit_transform_graph(impute_mean | mlpipe::log1p | bucketize(3) | one_hot | feature_hash(4), t, "y");
  auto dir = train_test::temp_dir("graph");
  g.save(dir);
  auto h = transform_graph::load(dir);
  CHECK(h == g);
  CHECK(h.fingerprint() == g.fingerprint());
  CHECK(h.feature_names() == g.feature_names());
  std::vector<double> a(t.rows() * g.width()), b(t.rows() * g.width());
  g.transform(t.view(), a);
  h.transform(t.view(), b);
  CHECK(a == b);
  // a different fit has a different fingerprint
  auto g2 = fit_transform_graph(impute_mean | standardize, t, "y");
  CHECK(g2.fingerprint() != g.fingerprint());
  // a damaged file is a clear error
  {
    std::ofstream(dir / "transform_graph.json") << "{\"format\": \"something else\"}";
  }
  CHECK_THROWS_WITH_AS(transform_graph::load(dir), doctest::Contains("not an mlpipe transform graph"), transform_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("transform: a missing value with no imputation is an error naming row and column") {
  auto t = mixed_table();
  auto g = fit_transform_graph(standardize | one_hot, t, "y");
  std::vector<double> out(t.rows() * g.width());
  CHECK_THROWS_WITH_AS(g.transform(t.view(), out), doctest::Contains("row 2, column 'age'"), transform_error);
  // a column the transform needs is absent: clear error
  table other;
  other.add(column::numeric("income", {1.0}));
  CHECK_THROWS_WITH_AS(g.bind(other), doctest::Contains("needs column 'age'"), transform_error);
}

TEST_CASE("transform: the ops composition serializes as the stage's parameters") {
  fit_transform st{impute_mean | clip(-3, 3) | bucketize(5) | one_hot};
  nlohmann::json j = st.ops;
  REQUIRE(j.size() == 4);
  CHECK(j[1]["op"] == "clip");
  CHECK(j[1]["hi"] == 3.0);
  CHECK(j[2]["buckets"] == 5);
  decltype(st.ops) back;
  from_json(j, back);
  CHECK(std::get<2>(back.ops).buckets == 5);
  CHECK(std::get<1>(back.ops).lo == -3.0);
  // restricted to some columns
  auto t = mixed_table();
  auto g = fit_transform_graph(impute_mean | standardize.on({"income"}), t, "y");
  for (auto& c : g.columns) {
    if (c.column == "age") CHECK(c.steps.size() == 1);
    if (c.column == "income") CHECK(c.steps.size() == 2);
  }
}

// The stage and artifact contracts of the core (checked at compile time).
#include <mlpipe/core/artifact.hpp>
#include <mlpipe/core/stage.hpp>
#include <mlpipe/train/train.hpp>
static_assert(mlpipe::artifact<mlpipe::transform_graph>);
static_assert(mlpipe::artifact<mlpipe::model>);
static_assert(mlpipe::stage<mlpipe::fit_transform<>>);
static_assert(mlpipe::stage<mlpipe::train<mlpipe::logistic_regression>>);
static_assert(mlpipe::stage<mlpipe::train<mlpipe::softmax_regression>>);
static_assert(mlpipe::stage<mlpipe::train<mlpipe::linear_regression>>);
static_assert(mlpipe::reflected<mlpipe::train<mlpipe::logistic_regression>>);
// `|` composes ops only: it does not attach to unrelated types.
template <class A, class B>
concept pipeable = requires(const A& a, const B& b) { a | b; };
static_assert(pipeable<mlpipe::standardize_op, mlpipe::one_hot_op>);
static_assert(!pipeable<mlpipe::standardize_op, std::string>);
static_assert(!pipeable<std::string, mlpipe::one_hot_op>);

namespace {
// Distance between two doubles in units in the last place of b.
double ulps(double a, double b) { return std::abs(a - b) / (std::nextafter(b, INFINITY) - b); }
}  // namespace

TEST_CASE("the training and prediction exp is within 3 ulp of libm's, the same bits for a double and in a v4d") {
  double worst = 0, worst_at = 0;
  std::vector<double> xs;
  for (int i = 0; i <= 400000; ++i) xs.push_back(-745.0 * i / 400000.0);
  for (double x : {-0.0, -1e-300, -0.34657359027997264, -0.34657359027997270, -708.0, -708.5, -1e300})
    xs.push_back(x);
  for (double x : xs) {
    const double e = detail::exp_nonpos(x), want = std::exp(std::max(x, -708.0));
    if (ulps(e, want) > worst) worst = ulps(e, want), worst_at = x;
  }
  CAPTURE(worst_at);
  CHECK(worst <= 3.0);
  // four v4d at once (the fused epoch's link) against one double at a time
  std::size_t differ = 0;
  for (std::size_t i = 0; i + 16 <= xs.size(); i += 16) {
    detail::v4d x[4], e[4];
    for (int u = 0; u < 4; ++u) detail::load4(&xs[i + 4 * u], x[u]);
    detail::exp_nonpos_n<4>(x, e);
    for (int u = 0; u < 4; ++u)
      for (int l = 0; l < 4; ++l) differ += e[u][l] != detail::exp_nonpos(xs[i + 4 * u + l]);
  }
  CHECK(differ == 0);
  // the logistic function built on it: 1 / (1 + exp(-z)) without overflow, symmetric, within a few ulp
  for (double z = -40; z <= 40; z += 0.013) {
    double p, q;
    detail::sigmoid_from_exp(z, detail::exp_nonpos(-std::abs(z)), p);
    detail::sigmoid_from_exp(-z, detail::exp_nonpos(-std::abs(z)), q);
    CHECK(ulps(p, 1.0 / (1.0 + std::exp(-z))) <= 4.0);
    CHECK(p + q == doctest::Approx(1.0).epsilon(1e-15));
  }
}
