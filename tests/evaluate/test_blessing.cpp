// Thresholds and blessing: the matrix of cases (no thresholds, pass, fail, no baseline, regression vs baseline,
// missing metric, per-slice failure), slicing by a table's columns, and the two artifacts' round trips.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/data/table.hpp>
#include <mlpipe/evaluate/blessing.hpp>
#include <mlpipe/evaluate/model_evaluation.hpp>
#include <mlpipe/evaluate/slicing.hpp>
#include <mlpipe/evaluate/thresholds.hpp>

namespace {

using namespace mlpipe;

constexpr std::size_t n = 400;

// Rows alternate between group "a" and "b"; region is "north" for the first half.
table make_table() {
  std::vector<std::optional<std::string>> group, region;
  for (std::size_t i = 0; i < n; ++i) {
    group.emplace_back(i % 2 ? "b" : "a");
    region.emplace_back(i < n / 2 ? "north" : std::string("south"));
  }
  region[3] = std::nullopt;  // a missing value: row 3 is in no region slice
  table t;
  t.add(column::categorical("group", group));
  t.add(column::categorical("region", region));
  return t;
}

// A binary classifier whose skill on group a is `skill_a` and on group b `skill_b` (0 = coin flip, 1 = AUC near 1).
predictions make_predictions(double skill_a, double skill_b, unsigned seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> noise(0, 1.5);
  std::mt19937_64 labels(42);  // the same labels for every model
  predictions p;
  p.task = task_kind::binary;
  p.classes = 2;
  p.class_names = {"no", "yes"};
  for (std::size_t i = 0; i < n; ++i) {
    int y = static_cast<int>(labels() % 2);
    double skill = i % 2 ? skill_b : skill_a;
    double p1 = 1 / (1 + std::exp(-(skill * 4 * (2 * y - 1) + noise(rng))));
    p.label.push_back(y);
    p.proba.push_back(1 - p1);
    p.proba.push_back(p1);
  }
  return p;
}

model_evaluation evaluate_with(const predictions& cand, const predictions* base, std::vector<std::string> specs = {"group"}) {
  auto t = make_table();
  return evaluate_predictions(cand, make_slices(t, specs), base);
}

bool failed_on(const model_blessing& b, const std::string& slice, const std::string& metric) {
  return std::any_of(b.failures.begin(), b.failures.end(),
                     [&](const threshold_failure& f) { return f.slice == slice && f.threshold.metric == metric; });
}

}  // namespace

TEST_CASE("slices by a table's columns: overall first, one slice per value, crosses, missing rows left out") {
  auto t = make_table();
  auto s = make_slices(t, {"group", "region", "group,region"});
  REQUIRE(s.size() == 1 + 2 + 2 + 4);
  CHECK(s[0].key == "overall");
  CHECK(s[0].rows.size() == n);
  CHECK(s[1].key == "group=a");
  CHECK(s[1].rows.size() == n / 2);
  CHECK(s[3].key == "region=north");
  CHECK(s[3].rows.size() == n / 2 - 1);  // row 3 has no region
  CHECK(s[5].key == "group=a,region=north");
  CHECK(std::all_of(s[2].rows.begin(), s[2].rows.end(), [](std::size_t r) { return r % 2 == 1; }));
  CHECK_THROWS_WITH_AS(make_slices(t, {"sex"}), doctest::Contains("no column 'sex'"), std::invalid_argument);

  CHECK(slice_matches("", "group=a"));
  CHECK(slice_matches("group", "group=a"));
  CHECK(slice_matches("group=a", "group=a"));
  CHECK_FALSE(slice_matches("group=b", "group=a"));
  CHECK_FALSE(slice_matches("group", "overall"));
  CHECK(slice_matches("overall", "overall"));
  CHECK(slice_matches("group=a,region", "group=a,region=south"));
  CHECK_FALSE(slice_matches("group", "group=a,region=south"));
}

TEST_CASE("slicing a table by value ids agrees with slicing by each row's text (numeric, string, crossed)") {
  std::vector<double> x = {1, 0.0, -0.0, 2.5, std::nan(""), 1, 10, 2.5};
  std::vector<std::optional<std::string>> name = {"b", "a", "b", std::nullopt, "a", "c", "b", "a"};
  table t;
  t.add(column::numeric("x", x));
  t.add(column::strings("name", name));
  t.add(column::categorical("cat", name));
  std::vector<std::string> specs = {"x", "name", "x,name", "cat,x"};
  auto fast = make_slices(t, specs);
  auto slow = make_slices(t.rows(), specs, [&](const std::string& c, std::size_t r) -> std::optional<std::string> {
    if (!t.col(c).is_valid(r)) return std::nullopt;
    if (t.col(c).is_numeric() && t.col(c).values()[r] == 0) return std::string("0");  // -0 is 0
    return std::string(t.col(c).text(r));
  });
  REQUIRE(fast.size() == slow.size());
  for (std::size_t i = 0; i < fast.size(); ++i) {
    CHECK(fast[i].key == slow[i].key);
    CHECK(fast[i].rows == slow[i].rows);
  }
  CHECK(fast[1].key == "x=0");  // 0 and -0 are one slice
  CHECK(fast[1].rows == std::vector<std::size_t>{1, 2});
}

TEST_CASE("blessing matrix") {
  const auto good = make_predictions(0.5, 0.5, 1);
  const auto uneven = make_predictions(0.5, 0.0, 2);  // good on a, a coin flip on b
  const auto better = make_predictions(1.0, 1.0, 3);

  SUBCASE("no thresholds: not blessed") {
    auto b = bless(evaluate_with(good, nullptr), {});
    CHECK_FALSE(b.blessed);
    CHECK(b.failures.empty());
    CHECK(b.reason.find("no thresholds") != std::string::npos);
  }
  SUBCASE("pass: every slice clears the bound") {
    std::vector<metric_threshold> th = {at_least("auc", 0.8), at_most("log_loss", 0.7)};
    auto ev = evaluate_with(good, nullptr);
    auto b = bless(ev, th);
    CHECK(b.blessed);
    CHECK(b.checks == 2 * 3);  // two thresholds on overall, group=a, group=b
    CHECK(b.failures.empty());
  }
  SUBCASE("fail: a bound the model misses") {
    auto ev = evaluate_with(good, nullptr);
    const double auc = ev.overall().metrics.at("auc");
    auto b = bless(ev, std::vector{at_least("auc", auc + 0.01).on_slice("overall")});
    CHECK_FALSE(b.blessed);
    REQUIRE(b.failures.size() == 1);
    CHECK(b.failures[0].slice == "overall");
    CHECK(b.failures[0].value == doctest::Approx(auc));
    CHECK(b.failures[0].message.find("expected auc >= ") != std::string::npos);
    // the bound is inclusive, as TFMA's
    CHECK(bless(ev, std::vector{at_least("auc", auc).on_slice("overall")}).blessed);
  }
  SUBCASE("no baseline: change thresholds pass, value thresholds still apply") {
    auto ev = evaluate_with(good, nullptr);
    auto b = bless(ev, std::vector{no_worse_than_baseline("auc", -0.01), at_least("accuracy", 0.5)});
    CHECK(b.blessed);
    CHECK(b.skipped_change == 3);
    auto b2 = bless(ev, std::vector{no_worse_than_baseline("auc", -0.01), at_least("accuracy", 0.99)});
    CHECK_FALSE(b2.blessed);
    // a change threshold alone, with no baseline: passes (TFX's first run)
    CHECK(bless(ev, std::vector{no_worse_than_baseline("auc")}).blessed);
  }
  SUBCASE("regression vs baseline: worse than the production model is refused") {
    auto ev = evaluate_with(good, &better);
    REQUIRE(ev.has_baseline());
    const double drop = ev.overall().metrics.at("auc") - ev.find("overall", true)->metrics.at("auc");
    REQUIRE(drop < -0.01);
    auto b = bless(ev, std::vector{no_worse_than_baseline("auc", -0.01)});
    CHECK_FALSE(b.blessed);
    CHECK(failed_on(b, "overall", "auc"));
    REQUIRE(b.failures[0].baseline_value);
    CHECK(*b.failures[0].baseline_value == doctest::Approx(ev.find("overall", true)->metrics.at("auc")));
    // with a tolerance wider than the drop it passes
    CHECK(bless(ev, std::vector{no_worse_than_baseline("auc", drop - 0.001).on_slice("overall")}).blessed);
    // the other way round: the better model passes against the worse one, for a lower-is-better metric too
    auto ev2 = evaluate_with(better, &good);
    CHECK(bless(ev2, std::vector{no_worse_than_baseline("auc"), no_worse_than_baseline("log_loss")}).blessed);
    CHECK_FALSE(bless(ev, std::vector{no_worse_than_baseline("log_loss")}).blessed);
    // relative change: (cand - base) / base
    const double rel = drop / ev.find("overall", true)->metrics.at("auc");
    CHECK(bless(ev, std::vector{no_worse_than_baseline_relative("auc", rel - 1e-6).on_slice("overall")}).blessed);
    CHECK_FALSE(bless(ev, std::vector{no_worse_than_baseline_relative("auc", rel + 1e-6).on_slice("overall")}).blessed);
  }
  SUBCASE("missing metric fails") {
    auto ev = evaluate_with(good, nullptr);
    auto b = bless(ev, std::vector{at_most("rmse", 1.0)});  // no rmse for a classifier
    CHECK_FALSE(b.blessed);
    CHECK(b.failures.size() == 3);
    CHECK(b.failures[0].message.find("not found") != std::string::npos);
    CHECK_FALSE(b.failures[0].value);
    // a change threshold on a metric the baseline lacks fails too
    auto evb = evaluate_with(good, &better);
    CHECK_FALSE(bless(evb, std::vector{no_worse_than_baseline("rmse")}).blessed);
    // a selector that matches no slice is a missing slice: fails
    auto b3 = bless(ev, std::vector{at_least("auc", 0.5).on_slice("group=z")});
    CHECK_FALSE(b3.blessed);
    CHECK(b3.failures[0].slice == "group=z");
  }
  SUBCASE("per-slice failure: the result names the slice") {
    auto ev = evaluate_with(uneven, nullptr);
    auto b = bless(ev, std::vector{at_least("auc", 0.75)});
    CHECK_FALSE(b.blessed);
    CHECK(failed_on(b, "group=b", "auc"));
    CHECK_FALSE(failed_on(b, "group=a", "auc"));
    // restricted to slice a, the same bar is cleared
    CHECK(bless(ev, std::vector{at_least("auc", 0.75).on_slice("group=a")}).blessed);
    // a slice-specific regression against the baseline
    auto evb = evaluate_with(uneven, &good);
    auto b2 = bless(evb, std::vector{no_worse_than_baseline("auc", -0.05)});
    CHECK(failed_on(b2, "group=b", "auc"));
    CHECK_FALSE(failed_on(b2, "group=a", "auc"));
  }
}

TEST_CASE("a zero baseline fails only a relative bound") {
  auto t = no_worse_than_baseline("f1", -0.1);
  CHECK(t.passes(0.2, 0.0));
  CHECK_FALSE(no_worse_than_baseline_relative("f1", -0.1).passes(0.2, 0.0));
  CHECK_FALSE(t.passes(std::nan(""), 0.5));
}

TEST_CASE("thresholds read from and write to JSON, with clear errors") {
  std::vector<metric_threshold> th = {at_least("auc", 0.8), between("r2", 0.1, 1).on_slice("group=a"),
                                      no_worse_than_baseline("log_loss", 0.01),
                                      change_threshold("x", metric_direction::lower_is_better, std::nullopt, 0.1)};
  nlohmann::json j = th;
  CHECK(j.get<std::vector<metric_threshold>>() == th);
  CHECK(j[2]["change"]["direction"] == "lower_is_better");
  CHECK_THROWS_WITH(nlohmann::json::parse(R"({"metric": "auc", "lower": 0.8})").get<metric_threshold>(),
                    doctest::Contains("unknown field 'lower'"));
  CHECK_THROWS_WITH(nlohmann::json::parse(R"({"metric": "auc", "lower_bound": "high"})").get<metric_threshold>(),
                    doctest::Contains("must be a number"));
  CHECK_THROWS_WITH(nlohmann::json::parse(R"({"metric": "zzz", "change": {}})").get<metric_threshold>(),
                    doctest::Contains("direction"));
  CHECK_THROWS_AS(no_worse_than_baseline("zzz"), std::invalid_argument);
}

TEST_CASE("ModelEvaluation and ModelBlessing save, load and fingerprint") {
  namespace fs = std::filesystem;
  auto dir = fs::temp_directory_path() / ("mlpipe-eval-artifacts-" + std::to_string(std::random_device{}()));
  const auto good = make_predictions(0.5, 0.5, 1);
  const auto better = make_predictions(1.0, 1.0, 3);
  auto ev = evaluate_with(good, &better, {"group", "group,region"});
  ev.save(dir / "ev");
  auto ev2 = model_evaluation::load(dir / "ev");
  CHECK(ev2 == ev);
  CHECK(ev2.fingerprint() == ev.fingerprint());
  CHECK(ev2.find("group=b,region=south") != nullptr);
  CHECK(ev2.find("group=b,region=south", true) != nullptr);
  CHECK(ev.overall().confusion.size() == 4);
  auto ev3 = evaluate_with(good, nullptr);
  CHECK(ev3.fingerprint() != ev.fingerprint());

  auto b = bless(ev, std::vector{no_worse_than_baseline("auc"), at_least("accuracy", 0.5)});
  b.save(dir / "b");
  CHECK(fs::exists(dir / "b" / (b.blessed ? "BLESSED" : "NOT_BLESSED")));
  auto b2 = model_blessing::load(dir / "b");
  CHECK(b2 == b);
  CHECK(b2.fingerprint() == b.fingerprint());
  CHECK_THROWS_WITH(model_blessing::load(dir / "nowhere"), doctest::Contains("no ModelBlessing"));
  fs::remove_all(dir);
}
