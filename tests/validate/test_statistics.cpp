// Statistics against pandas (the peer is called, nothing copied in), merging, the sketch's stated rank error.
#include <doctest/doctest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iterator>
#include <random>
#include <sstream>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/validate/statistics.hpp>

#include "peer.hpp"

using namespace mlpipe;

namespace {

bool close_rel(double a, double b, double scale, double rel = 1e-9) {
  return std::abs(a - b) <= rel * std::max({std::abs(b), scale, 1e-300});
}

// Compares our statistics of a CSV file with pandas' on every column.
void check_against_pandas(const std::filesystem::path& csv) {
  CAPTURE(csv.string());
  table t = read_csv(csv);
  auto st = compute_statistics(t, csv.filename().string(), {}, 2, 4096);
  // Each column's quantiles are checked against its own sketch's stated bound (0 while exact).
  nlohmann::json eps = nlohmann::json::object();
  for (auto& c : st.columns)
    if (c.is_numeric()) eps[c.name()] = c.sketch().rank_error();
  auto py = test::run_pandas(csv, 0.0, eps);
  REQUIRE(py["rows"].get<std::uint64_t>() == st.rows);
  REQUIRE(py["columns"].size() == st.columns.size());
  for (auto& c : st.columns) {
    CAPTURE(c.name());
    auto& p = py["columns"][c.name()];
    REQUIRE(!p.is_null());
    CHECK(c.present() == p["count"].get<std::uint64_t>());
    CHECK(c.missing() == p["missing"].get<std::uint64_t>());
    if (c.is_numeric()) {
      REQUIRE(p["type"] == "numeric");
      double scale = std::max(std::abs(p["min"].get<double>()), std::abs(p["max"].get<double>()));
      CHECK(c.finite() == p["count"].get<std::uint64_t>());
      CHECK(c.zeros() == p["zeros"].get<std::uint64_t>());
      CHECK(close_rel(c.mean(), p["mean"].get<double>(), scale));
      CHECK(close_rel(c.std_dev(), p["std"].get<double>(), 0));
      CHECK(c.min() == p["min"].get<double>());
      CHECK(c.max() == p["max"].get<double>());
      for (auto& q : p["quantiles"]) {
        double prob = q["q"].get<double>(), est = c.quantile(prob);
        CAPTURE(prob);
        CAPTURE(est);
        // Within the stated rank error: between the true (q - eps) and (q + eps) quantiles.
        CHECK(est >= q["lo"].get<double>());
        CHECK(est <= q["hi"].get<double>());
        if (c.sketch().is_exact()) CHECK(close_rel(est, q["linear"].get<double>(), scale));
      }
      if (c.sketch().is_exact()) {
        CHECK(close_rel(c.median(), p["median"].get<double>(), scale));
        CHECK(close_rel(c.mad(), p["mad"].get<double>(), scale));
      }
    } else {
      REQUIRE(p["type"] == "text");
      CHECK(c.distinct() == p["distinct"].get<std::size_t>());
      CHECK(close_rel(c.average_length(), p["avg_length"].get<double>(), 0));
      for (auto& [value, count] : p["value_counts"].items()) CHECK(c.values().count(value) == count.get<std::uint64_t>());
      auto top = c.top(3);
      REQUIRE(!top.empty());
      std::uint64_t best = 0;
      for (auto& [value, count] : p["value_counts"].items()) best = std::max(best, count.get<std::uint64_t>());
      CHECK(top[0].count == best);
    }
  }
}

// A CSV of generated data with missing values, zeros, a heavy tail and a categorical column.
std::filesystem::path generated_csv(std::size_t rows) {
  auto dir = test::temp_dir("generated");
  auto file = dir / "generated.csv";
  std::ofstream out(file);
  std::mt19937_64 g(42);
  std::normal_distribution<double> normal(10.0, 3.0);
  std::lognormal_distribution<double> heavy(0.0, 1.5);
  std::uniform_real_distribution<double> u(0, 1);
  const char* colors[] = {"red", "green", "blue", "ultraviolet"};
  out << "normal,heavy,small_int,color\n";
  out.precision(17);
  for (std::size_t i = 0; i < rows; ++i) {
    if (u(g) < 0.1) out << "";
    else out << normal(g);
    out << ',';
    if (u(g) < 0.05) out << "NA";
    else if (u(g) < 0.1) out << 0;
    else out << heavy(g) * 1000;
    out << ',';
    if (u(g) < 0.02) out << "";
    else out << static_cast<int>(u(g) * 6);
    out << ',';
    if (u(g) < 0.03) out << "";
    else out << colors[static_cast<int>(std::pow(u(g), 2) * 4)];
    out << '\n';
  }
  return file;
}

}  // namespace

TEST_CASE("statistics equal pandas on every bundled data set") {
  for (auto name : {"iris.csv", "breast_cancer.csv", "fair.csv", "randhie.csv"})
    check_against_pandas(std::filesystem::path(MLPIPE_DATA_DIR) / name);
}

TEST_CASE("statistics equal pandas on generated data with missing values (sketch beyond its exact size)") {
  auto file = generated_csv(120000);
  check_against_pandas(file);
  std::filesystem::remove_all(file.parent_path());
}

TEST_CASE("merging block statistics equals whole-table statistics") {
  table t = read_csv(std::filesystem::path(MLPIPE_DATA_DIR) / "randhie.csv");
  auto whole = compute_statistics(t, "all");
  // Uneven pieces, merged out of order.
  split_statistics merged;
  std::vector<std::pair<std::size_t, std::size_t>> pieces = {{7000, 20190}, {0, 1}, {1, 6999}, {6999, 7000}};
  bool first = true;
  for (auto [b, e] : pieces) {
    statistics_builder sb("all");
    sb.add(t.view(b, e));
    auto part = std::move(sb).finish();
    if (first) { merged = part; first = false; }
    else merged.merge(part);
  }
  REQUIRE(merged.rows == whole.rows);
  for (auto& w : whole.columns) {
    CAPTURE(w.name());
    auto m = merged.find(w.name());
    REQUIRE(m);
    CHECK(m->present() == w.present());
    CHECK(m->missing() == w.missing());
    CHECK(m->zeros() == w.zeros());
    CHECK(m->min() == w.min());
    CHECK(m->max() == w.max());
    CHECK(close_rel(m->mean(), w.mean(), std::abs(w.max()), 1e-12));
    CHECK(close_rel(m->std_dev(), w.std_dev(), 0, 1e-12));
    CHECK(m->sketch().count() == w.sketch().count());
  }
}

TEST_CASE("moments are stable where the naive formula fails") {
  // Values 1e9 + {4, 7, 13, 16}: squared deviations 90 per four values; sum-of-squares in doubles loses them.
  std::vector<double> v;
  for (int rep = 0; rep < 1000; ++rep)
    for (double d : {4.0, 7.0, 13.0, 16.0}) v.push_back(1e9 + d);
  moments a;
  a.add(v);
  CHECK(std::abs(a.mean - (1e9 + 10)) < 1e-6);
  CHECK(std::abs(a.variance() - 90.0 * 1000 / 3999) < 1e-6);
  moments b, c;  // Chan merge of two halves
  b.add(std::span<const double>(v).first(1501));
  c.add(std::span<const double>(v).subspan(1501));
  b.merge(c);
  CHECK(b.count == a.count);
  CHECK(std::abs(b.variance() - a.variance()) < 1e-9);
}

TEST_CASE("the quantile sketch keeps its stated rank error on long streams and across merges") {
  CHECK(quantile_sketch::rank_error(200) < 0.017);
  CHECK(quantile_sketch::rank_error(200, true) < 0.025);
  std::mt19937_64 g(3);
  std::exponential_distribution<double> ex(1.0);
  for (int trial = 0; trial < 5; ++trial) {
    std::vector<double> v(300000);
    for (auto& x : v) x = ex(g);
    quantile_sketch whole(200, 100 + static_cast<std::uint64_t>(trial)), a(200, 7), b(200, 8);
    for (std::size_t i = 0; i < v.size(); i += 1000) {
      auto s = std::span<const double>(v).subspan(i, 1000);
      whole.update(s);
      (i % 3000 == 0 ? a : b).update(s);
    }
    a.merge(b);
    // Bounded memory: about 3k items in the compactors (run at 3k) plus one entry batch, whatever the length.
    CHECK(whole.retained() < 3 * 3 * 200 + quantile_sketch::entry_batch);
    quantile_sketch announced(200, 9);  // told the length up front: samples from the start
    announced.expect(v.size());
    for (std::size_t i = 0; i < v.size(); i += 1000) announced.update(std::span<const double>(v).subspan(i, 1000));
    std::sort(v.begin(), v.end());
    for (auto* s : {&whole, &a, &announced}) {
      const double eps = s->rank_error();
      CHECK(eps > 0);
      CHECK(eps <= quantile_sketch::rank_error(200, true));  // the budget k sets holds, merged or not
      CHECK(s->count() == v.size());
      CHECK(s->min() == v.front());
      CHECK(s->max() == v.back());
      for (int i = 1; i < 100; ++i) {
        double q = i / 100.0, est = s->quantile(q);
        double lo = static_cast<double>(std::lower_bound(v.begin(), v.end(), est) - v.begin()) / static_cast<double>(v.size());
        double hi = static_cast<double>(std::upper_bound(v.begin(), v.end(), est) - v.begin()) / static_cast<double>(v.size());
        CAPTURE(q);
        CHECK(q >= lo - eps);
        CHECK(q <= hi + eps);
      }
    }
  }
}

TEST_CASE("the sketch's stated error follows what it did: compactors only below 2k^2 values, sampler weights merged") {
  std::mt19937_64 g(11);
  std::normal_distribution<double> nd(5.0, 2.0);
  std::vector<double> v(50000);
  for (auto& x : v) x = nd(g);
  quantile_sketch mid(200, 5);
  mid.expect(v.size());
  mid.update(v);
  CHECK_FALSE(mid.is_exact());
  CHECK(mid.rank_error() == doctest::Approx(quantile_sketch::rank_error(200)));  // 0.59%: nothing sampled
  CHECK(mid.rank_error() < 0.006);
  std::vector<double> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 1; i < 100; ++i) {
    double q = i / 100.0, est = mid.quantile(q);
    double lo = static_cast<double>(std::lower_bound(sorted.begin(), sorted.end(), est) - sorted.begin()) / 50000.0;
    double hi = static_cast<double>(std::upper_bound(sorted.begin(), sorted.end(), est) - sorted.begin()) / 50000.0;
    CHECK(q >= lo - mid.rank_error());
    CHECK(q <= hi + mid.rank_error());
  }
  // Two long sampled halves merged: the sampler's squared weights add, so the merged bound is that of the whole.
  std::vector<double> w(400000);
  for (auto& x : w) x = nd(g);
  quantile_sketch a(200, 1), b(200, 2);
  a.expect(200000);
  b.expect(200000);
  a.update(std::span<const double>(w).first(200000));
  b.update(std::span<const double>(w).subspan(200000));
  const double ea = a.rank_error();
  CHECK(ea > quantile_sketch::rank_error(200));  // sampled
  a.merge(b);
  CHECK(a.rank_error() < ea);  // the same kind of error over twice the values
  CHECK(a.rank_error() <= quantile_sketch::rank_error(200, true));
  // A sketch saved before the sampler's weights were recorded loads with the worst its state allows.
  nlohmann::json j = a;
  auto exact_bound = a.rank_error();
  j.erase("sampler_weight_squares");
  j.erase("compacted");
  j.erase("compactor_k");
  auto old = j.get<quantile_sketch>();
  CHECK(old.rank_error() >= exact_bound);
  CHECK(old.count() == a.count());
}

TEST_CASE("histograms: equal-width counts add up and are exact for small data") {
  table t = read_csv(std::filesystem::path(MLPIPE_DATA_DIR) / "iris.csv");
  auto st = compute_statistics(t, "iris");
  auto& c = *st.find("petal_length");
  auto h = c.equal_width_histogram(10);
  REQUIRE(h.buckets() == 10);
  CHECK(h.total() == doctest::Approx(150));
  CHECK(h.boundaries.front() == c.min());
  CHECK(h.boundaries.back() == c.max());
  // Exact: count the values in each bucket directly.
  auto v = t.col("petal_length").values();
  for (std::size_t b = 0; b < 10; ++b) {
    double lo = h.boundaries[b], hi = h.boundaries[b + 1];
    auto n = std::count_if(v.begin(), v.end(), [&](double x) { return (b == 0 ? x >= lo : x > lo) && x <= hi; });
    CHECK(h.counts[b] == static_cast<double>(n));
  }
  auto qh = c.quantile_histogram(4);
  REQUIRE(qh.buckets() == 4);
  CHECK(qh.boundaries[2] == c.median());
}

TEST_CASE("statistics artifact: save, load, fingerprint, text") {
  table t = read_csv(std::filesystem::path(MLPIPE_DATA_DIR) / "breast_cancer.csv");
  example_statistics s;
  s.splits.push_back(compute_statistics(t, "train"));
  auto dir = test::temp_dir("stats_artifact");
  s.save(dir);
  auto back = example_statistics::load(dir);
  CHECK(back.fingerprint() == s.fingerprint());
  CHECK(back.to_json() == s.to_json());
  // The loaded state still merges: doubling the data doubles counts, keeps the mean.
  auto twice = back.splits[0];
  twice.merge(back.splits[0]);
  CHECK(twice.find("mean_radius")->present() == 2 * s.splits[0].find("mean_radius")->present());
  CHECK(twice.find("mean_radius")->mean() == doctest::Approx(s.splits[0].find("mean_radius")->mean()));
  auto text = s.to_text();
  CHECK(text.find("mean_radius") != std::string::npos);
  CHECK(text.find("diagnosis") != std::string::npos);
  std::ofstream(dir / "statistics.json") << "{\"format\": \"something else\"}";
  CHECK_THROWS_WITH_AS(example_statistics::load(dir), doctest::Contains("statistics.json"), std::runtime_error);
  std::filesystem::remove_all(dir);
}

TEST_CASE("stats text: a huge value is cut under top values, and wide numbers stay apart") {
  std::vector<std::optional<std::string>> s(10, std::string("short"));
  s[0] = std::string(10'000'000, 'v') + "\nmore";  // 10 MB with a newline inside
  std::vector<double> x(10, -1.234567e300);
  x[1] = 1.234567e300;
  table t;
  t.add(column::strings("text", s));
  t.add(column::numeric("x", x));
  example_statistics st;
  st.splits.push_back(compute_statistics(t, "train"));
  const auto text = st.to_text();
  CHECK(text.size() < 2000);
  CHECK(text.find(std::string(40, 'v') + "...") != std::string::npos);
  CHECK(text.find("\nmore") == std::string::npos);
  // the numeric row: ten columns, however wide the numbers ("-1.23457e+300" is wider than its column)
  auto at = text.find("\n  x ");
  REQUIRE(at != std::string::npos);
  std::istringstream row(text.substr(at + 1, text.find('\n', at + 1) - at - 1));
  std::vector<std::string> cells{std::istream_iterator<std::string>(row), std::istream_iterator<std::string>()};
  CHECK(cells.size() == 10);
  CHECK(cells[5] == "-1.23457e+300");
}
