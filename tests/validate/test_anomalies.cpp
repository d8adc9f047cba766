// Schema inference, validation and drift: clean data passes, each injected fault is found by kind and column.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <optional>
#include <random>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/validate/anomalies.hpp>

#include "peer.hpp"

using namespace mlpipe;

namespace {

table load(const char* name) { return read_csv(std::filesystem::path(MLPIPE_DATA_DIR) / name); }

split_statistics stats_of(const table& t, std::string name = "data") { return compute_statistics(t, std::move(name)); }

std::vector<double> numbers(const table& t, std::string_view col) {
  auto v = t.col(col).values();
  return {v.begin(), v.end()};
}
std::vector<std::optional<std::string>> texts(const table& t, std::string_view col) {
  std::vector<std::optional<std::string>> out;
  const auto& c = t.col(col);
  for (std::size_t i = 0; i < c.size(); ++i)
    out.push_back(c.is_valid(i) ? std::optional<std::string>(c.text(i)) : std::nullopt);
  return out;
}
std::vector<std::uint64_t> all_present(std::size_t n) {
  std::vector<std::uint64_t> v((n + 63) / 64, ~std::uint64_t{0});
  if (n % 64) v.back() = (std::uint64_t{1} << (n % 64)) - 1;
  return v;
}
table replaced(table t, column c) {
  t.remove(c.name());
  t.add(std::move(c));
  return t;
}

// Two samples of one distribution: a normal, a skewed positive column, a category with uneven frequencies.
table sample(std::uint64_t seed, std::size_t rows = 6000) {
  std::mt19937_64 g(seed);
  std::normal_distribution<double> normal(50.0, 10.0);
  std::gamma_distribution<double> skewed(2.0, 3.0);
  std::discrete_distribution<int> pick({50, 30, 15, 5});
  const char* names[] = {"red", "green", "blue", "black"};
  std::vector<double> x(rows), y(rows);
  std::vector<std::optional<std::string>> color(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    x[i] = normal(g);
    y[i] = skewed(g);
    color[i] = names[pick(g)];
  }
  table t;
  t.add(column::numeric("x", std::move(x)));
  t.add(column::numeric("y", std::move(y)));
  t.add(column::categorical("color", color));
  return t;
}

}  // namespace

TEST_CASE("a schema inferred from a data set validates that data set with no anomalies") {
  for (auto name : {"iris.csv", "breast_cancer.csv", "fair.csv", "randhie.csv"}) {
    CAPTURE(name);
    auto st = stats_of(load(name));
    auto s = infer_schema_from(st);
    REQUIRE(s.columns.size() == st.columns.size());
    auto found = find_anomalies(st, s, &st);
    CHECK_MESSAGE(found.empty(), found.to_text());
  }
}

TEST_CASE("inferred schema: types, presence, ranges, domains") {
  auto st = stats_of(load("iris.csv"));
  auto s = infer_schema_from(st);
  auto* sl = s.find("sepal_length");
  REQUIRE(sl);
  CHECK(sl->type == column_kind::numeric);
  CHECK(sl->required());
  CHECK(*sl->min == st.find("sepal_length")->min());
  CHECK(*sl->max == st.find("sepal_length")->max());
  auto* sp = s.find("species");
  REQUIRE(sp);
  CHECK(sp->type == column_kind::categorical);
  REQUIRE(sp->domain);
  CHECK(sp->domain->size() == 3);
  CHECK(sp->max_l_infinity == 0.1);
  CHECK(sl->max_js_divergence == 0.1);
  // More distinct values than the domain limit: a free string, no domain.
  auto s2 = infer_schema_from(st, 2);
  CHECK(!s2.find("species")->domain);
}

TEST_CASE("the pipeline stages: statistics -> infer_schema -> validate on examples with a baseline") {
  table all = load("iris.csv");
  examples ex;
  // Every third row to eval, so both splits see all three species.
  std::vector<std::size_t> tr, ev;
  for (std::size_t i = 0; i < all.rows(); ++i) (i % 3 == 2 ? ev : tr).push_back(i);
  ex.train = all.take(tr);
  ex.eval = all.take(ev);
  ex.baseline = all;
  context ctx;
  auto stats = statistics{}(ex, ctx);
  REQUIRE(stats.split("train"));
  REQUIRE(stats.split("eval"));
  REQUIRE(stats.split("baseline"));
  CHECK(stats.at("train").rows == tr.size());
  auto s = infer_schema{}(stats, ctx);
  auto found = validate{}(stats, s, ctx);
  CHECK_MESSAGE(found.empty(), found.to_text());
  CHECK(found.baseline.find("baseline") != std::string::npos);
  CHECK_THROWS_AS(stats.at("nope"), std::out_of_range);
  // Artifacts round-trip.
  auto dir = test::temp_dir("stage_artifacts");
  s.save(dir / "schema");
  CHECK(schema::load(dir / "schema").fingerprint() == s.fingerprint());
  found.save(dir / "anomalies");
  CHECK(anomalies::load(dir / "anomalies").fingerprint() == found.fingerprint());
  std::filesystem::remove_all(dir);
}

TEST_CASE("a second sample of the same distribution shows no drift") {
  auto base = stats_of(sample(1), "baseline");
  auto s = infer_schema_from(base);
  for (std::uint64_t seed : {2, 3, 4}) {
    auto cur = stats_of(sample(seed));
    auto found = find_anomalies(cur, s, &base);
    for (auto& a : found.items) CHECK_MESSAGE(a.kind != anomaly_kind::drift, a.description);
    CHECK(js_divergence(*cur.find("x"), *base.find("x")) < 0.05);
    CHECK(l_infinity_distance(cur.find("color")->values(), base.find("color")->values()) < 0.05);
  }
}

TEST_CASE("injected faults are each found, by kind and column") {
  const table good = sample(1);
  auto base = stats_of(good, "baseline");
  auto s = infer_schema_from(base);
  const table fresh = sample(2);
  auto check = [&](const table& t, anomaly_kind kind, const char* col) {
    auto found = find_anomalies(stats_of(t), s, &base);
    std::string report = found.to_text();
    CAPTURE(report);
    CHECK(found.has(kind, col));
    return found;
  };

  SUBCASE("shifted column: drift") {
    auto x = numbers(fresh, "x");
    for (auto& v : x) v += 10.0;  // one standard deviation
    auto f = check(replaced(fresh, column::numeric("x", x)), anomaly_kind::drift, "x");
    CHECK(f.find(anomaly_kind::drift, "x")->count("js_divergence") > 0.1);
    CHECK(!f.has(anomaly_kind::drift, "y"));
  }
  SUBCASE("new category: unexpected value, and drift of the frequencies") {
    auto c = texts(fresh, "color");
    for (std::size_t i = 0; i < c.size(); i += 5) c[i] = "purple";  // 20%
    auto f = check(replaced(fresh, column::categorical("color", c)), anomaly_kind::unexpected_category, "color");
    auto* a = f.find(anomaly_kind::unexpected_category, "color");
    CHECK(a->count("share") == doctest::Approx(0.2).epsilon(0.01));
    CHECK(a->description.find("purple") != std::string::npos);
    CHECK(f.has(anomaly_kind::drift, "color"));
  }
  SUBCASE("dropped column") {
    table t = fresh;
    t.remove("y");
    check(t, anomaly_kind::missing_column, "y");
  }
  SUBCASE("new column") {
    table t = fresh;
    t.add(column::numeric("extra", numbers(fresh, "x")));
    check(t, anomaly_kind::new_column, "extra");
  }
  SUBCASE("type mismatch") {
    table t = fresh;
    auto y = numbers(fresh, "y");
    std::vector<std::optional<std::string>> as_text;
    for (double v : y) as_text.push_back(v > 6 ? "high" : "low");
    check(replaced(t, column::categorical("y", as_text)), anomaly_kind::type_mismatch, "y");
  }
  SUBCASE("out-of-range values") {
    auto y = numbers(fresh, "y");
    y[10] = -5;
    y[20] = 1e6;
    y[30] = 2e6;
    auto f = check(replaced(fresh, column::numeric("y", y)), anomaly_kind::out_of_range, "y");
    CHECK(f.find(anomaly_kind::out_of_range, "y")->count("observed_max") == 2e6);
  }
  SUBCASE("NaN where not allowed") {
    auto x = numbers(fresh, "x");
    for (std::size_t i = 0; i < 25; ++i) x[i * 7] = std::nan("");  // NaN values that are present, not missing
    auto f = check(replaced(fresh, column::numeric("x", x, all_present(x.size()))), anomaly_kind::nan_values, "x");
    CHECK(f.find(anomaly_kind::nan_values, "x")->count("nan") == 25);
  }
  SUBCASE("infinities where not allowed") {
    auto x = numbers(fresh, "x");
    x[3] = INFINITY;
    check(replaced(fresh, column::numeric("x", x)), anomaly_kind::inf_values, "x");
  }
  SUBCASE("5% outliers") {
    auto x = numbers(fresh, "x");
    for (std::size_t i = 0; i < x.size(); i += 20) x[i] = 50.0 + 120.0 * (i % 40 == 0 ? 1 : -1);  // 12 sd away
    auto f = check(replaced(fresh, column::numeric("x", x)), anomaly_kind::outliers, "x");
    CHECK(f.find(anomaly_kind::outliers, "x")->count("share") == doctest::Approx(0.05).epsilon(0.05));
  }
  SUBCASE("missing values in a required column") {
    auto x = numbers(fresh, "x");
    auto valid = all_present(x.size());
    for (std::size_t i = 0; i < x.size(); i += 10) {
      valid[i / 64] &= ~(std::uint64_t{1} << (i % 64));
      x[i] = std::nan("");
    }
    auto f = check(replaced(fresh, column::numeric("x", x, valid)), anomaly_kind::low_presence, "x");
    CHECK(f.find(anomaly_kind::low_presence, "x")->count("missing") == 600);
    CHECK(!f.has(anomaly_kind::nan_values, "x"));  // missing is not NaN
  }
  SUBCASE("too few rows") {
    schema strict = s;
    strict.min_rows = 1000000;
    auto f = find_anomalies(stats_of(fresh), strict, &base);
    CHECK(f.has(anomaly_kind::too_few_rows, ""));
  }
}

TEST_CASE("schema JSON: a person's edit is accepted back; a bad field is named") {
  auto s = infer_schema_from(stats_of(load("iris.csv")));
  auto dir = test::temp_dir("schema_json");
  auto file = dir / "schema.json";
  s.save_file(file);
  auto back = schema::load_file(file);
  CHECK(back.to_json() == s.to_json());

  auto edit = [&](auto&& change) {
    auto j = nlohmann::json::parse(std::ifstream(file));
    change(j);
    std::ofstream(dir / "edited.json") << j.dump(2);
    return dir / "edited.json";
  };
  // A reasonable edit: widen a range, drop a domain value, relax presence.
  auto ok = schema::load_file(edit([](nlohmann::json& j) {
    j["columns"][0]["range"]["max"] = 100;
    j["columns"][4]["domain"] = {"setosa", "versicolor"};
    j["columns"][1]["presence"] = {{"required", false}, {"min_fraction", 0.9}};
  }));
  CHECK(*ok.find("sepal_length")->max == 100);
  CHECK(ok.find("sepal_width")->min_presence == 0.9);
  auto found = find_anomalies(stats_of(load("iris.csv")), ok);
  CHECK(found.has(anomaly_kind::unexpected_category, "species"));

  auto fails_with = [&](auto&& change, const char* text) {
    CAPTURE(text);
    CHECK_THROWS_WITH_AS(schema::load_file(edit(change)), doctest::Contains(text), schema_error);
  };
  fails_with([](nlohmann::json& j) { j["columns"][0]["range"]["min"] = "abc"; },
             "columns[0] (\"sepal_length\").range.min: expected a number");
  fails_with([](nlohmann::json& j) { j["columns"][2]["type"] = "numbr"; }, "columns[2] (\"petal_length\").type");
  fails_with([](nlohmann::json& j) { j["columns"][1]["requird"] = true; }, "requird: unknown field");
  fails_with([](nlohmann::json& j) { j["columns"][0]["range"]["min"] = 1000; }, "min is greater than max");
  fails_with([](nlohmann::json& j) { j["columns"][4]["drift"]["l_infinity"] = 2; }, "drift.l_infinity: expected a fraction");
  fails_with([](nlohmann::json& j) { j["columns"][3]["name"] = "sepal_length"; }, "listed twice");
  fails_with([](nlohmann::json& j) { j.erase("columns"); }, "columns: missing");
  std::ofstream(dir / "broken.json") << "{ not json";
  CHECK_THROWS_WITH_AS(schema::load_file(dir / "broken.json"), doctest::Contains("broken.json"), schema_error);
  CHECK_THROWS_WITH_AS(schema::load_file(edit([](nlohmann::json& j) { j["min_rows"] = -3; })),
                       doctest::Contains("edited.json: min_rows"), schema_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("anomalies report: text and JSON") {
  auto base = stats_of(sample(1), "baseline");
  auto s = infer_schema_from(base);
  table t = sample(2);
  t.remove("y");
  auto found = find_anomalies(stats_of(t, "new.csv"), s, &base);
  REQUIRE(found.has(anomaly_kind::missing_column, "y"));
  auto text = found.to_text();
  CHECK(text.find("missing_column") != std::string::npos);
  CHECK(text.find("new.csv") != std::string::npos);
  auto j = found.to_json();
  CHECK(j["anomaly_count"] == found.size());
  CHECK(j["anomalies"][0]["kind"] == "missing_column");
  auto back = anomalies::from_json(nlohmann::json::parse(j.dump()));
  CHECK(back.size() == found.size());
  CHECK(back.items[0].column == "y");
}

TEST_CASE("real drift: fair.csv is sorted by affairs, so its later rows have none; found in that column alone") {
  table all = load("fair.csv");
  auto old_rows = stats_of(all.slice(0, 3000), "old");
  auto new_rows = stats_of(all.slice(3000, all.rows()), "new");
  auto s = infer_schema_from(old_rows);
  auto found = find_anomalies(new_rows, s, &old_rows);
  std::string report = found.to_text();
  CAPTURE(report);
  CHECK(found.has(anomaly_kind::drift, "affairs"));
  std::size_t drifts = 0;
  for (auto& a : found.items) drifts += a.kind == anomaly_kind::drift;
  CHECK(drifts == 1);
  // The same column's distance between two halves of shuffled-looking rows is small.
  CHECK(js_divergence(*new_rows.find("age"), *old_rows.find("age")) < 0.1);
}
