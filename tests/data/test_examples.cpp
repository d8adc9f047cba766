// Tests of splits, spans and the csv_examples stage.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/core/stage.hpp>
#include <mlpipe/data/csv_examples.hpp>

namespace fs = std::filesystem;

namespace {
fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mlpipe_test_examples_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST_CASE("splits are deterministic, follow the row's content and keep the bucket ratio") {
  auto t = mlpipe::read_csv(fs::path(MLPIPE_DATA_DIR) / "randhie.csv");
  auto s1 = mlpipe::assign_splits(t);
  auto s2 = mlpipe::assign_splits(t);
  CHECK(s1 == s2);
  double eval_share = 0;
  for (auto s : s1) eval_share += s;
  eval_share /= double(s1.size());
  // 1/3 expected; 20190 rows give a standard error of 0.0033
  CHECK(eval_share == doctest::Approx(1.0 / 3).epsilon(0.05));
  // a row's split does not depend on its position: reverse the rows, same assignment per row
  std::vector<std::size_t> rev(t.rows());
  for (std::size_t i = 0; i < rev.size(); ++i) rev[i] = rev.size() - 1 - i;
  auto r = mlpipe::assign_splits(t.take(rev));
  std::size_t same = 0;
  for (std::size_t i = 0; i < rev.size(); ++i) same += r[i] == s1[rev[i]];
  CHECK(same == rev.size());
  // other buckets: 4:1
  auto s41 = mlpipe::assign_splits(t, {4, 1, ""});
  double e41 = 0;
  for (auto s : s41) e41 += s;
  CHECK(e41 / double(s41.size()) == doctest::Approx(0.2).epsilon(0.06));
  // by a key column: every row with one key value goes to one split
  auto by_key = mlpipe::assign_splits(t, {2, 1, "idp"});
  auto idp = t.col("idp").values();
  for (std::size_t i = 1; i < t.rows(); ++i)
    if (idp[i] == idp[0]) CHECK(by_key[i] == by_key[0]);
  // by row index: independent of content, still 2:1
  auto by_row = mlpipe::assign_splits(t, {2, 1, "#row"});
  double e_row = 0;
  for (auto s : by_row) e_row += s;
  CHECK(e_row / double(by_row.size()) == doctest::Approx(1.0 / 3).epsilon(0.05));
  CHECK_THROWS_WITH(mlpipe::assign_splits(t, {2, 1, "nope"}), doctest::Contains("split key column 'nope'"));
  CHECK_THROWS(mlpipe::assign_splits(t, {0, 1, ""}));
  auto [train, eval] = mlpipe::split_table(t);
  CHECK(train.rows() + eval.rows() == t.rows());
}

TEST_CASE("spans: the newest is current, the one before is the baseline") {
  auto dir = temp_dir("spans");
  for (int s : {1, 2, 10}) std::ofstream(dir / ("span-" + std::to_string(s) + ".csv")) << "x,y\n" << s << ",a\n" << s << ",b\n";
  std::ofstream(dir / "other.csv") << "x\n1\n";
  auto spans = mlpipe::find_spans((dir / "span-{SPAN}.csv").string());
  REQUIRE(spans.size() == 3);
  CHECK(spans[0].span == 1);
  CHECK(spans[2].span == 10);  // numeric order, not text order
  auto sel = mlpipe::select_spans((dir / "span-{SPAN}.csv").string());
  CHECK(sel.current.span == 10);
  REQUIRE(sel.baseline.has_value());
  CHECK(sel.baseline->span == 2);
  // directories as spans, several files each
  for (int s : {3, 4}) {
    fs::create_directories(dir / ("d" + std::to_string(s)));
    for (int part : {2, 1}) std::ofstream(dir / ("d" + std::to_string(s)) / ("part" + std::to_string(part) + ".csv")) << "x\n" << s << "\n";
  }
  auto d = mlpipe::select_spans((dir / "d{SPAN}/*.csv").string());
  CHECK(d.current.span == 4);
  REQUIRE(d.current.files.size() == 2);
  CHECK(d.current.files[0].filename() == "part1.csv");
  // a plain file is span 0 with no baseline
  auto one = mlpipe::select_spans((dir / "other.csv").string());
  CHECK(one.current.span == 0);
  CHECK_FALSE(one.baseline.has_value());
  CHECK_THROWS_WITH_AS(mlpipe::select_spans((dir / "none-{SPAN}.csv").string()), doctest::Contains("matches no file"),
                       mlpipe::span_error);
  // the same number twice in one path; two different ones are an error naming the path
  fs::create_directories(dir / "t7");
  std::ofstream(dir / "t7" / "t7.csv") << "x\n1\n";
  CHECK(mlpipe::select_spans((dir / "t{SPAN}/t{SPAN}.csv").string()).current.span == 7);
  std::ofstream(dir / "t7" / "t8.csv") << "x\n1\n";
  CHECK_THROWS_WITH_AS(mlpipe::select_spans((dir / "t{SPAN}/t{SPAN}.csv").string()),
                       doctest::Contains("two different span numbers (7 and 8)"), mlpipe::span_error);
  // a span number beyond 64 bits is an error, not a crash
  std::ofstream(dir / "big-123456789012345678901234567890.csv") << "x\n1\n";
  CHECK_THROWS_WITH_AS(mlpipe::select_spans((dir / "big-{SPAN}.csv").string()), doctest::Contains("too large"),
                       mlpipe::span_error);
  fs::remove_all(dir);
}

TEST_CASE("span patterns: * stays within one path component, {SPAN} is digits, greedy like a regular expression") {
  using mlpipe::detail::span_match;
  std::vector<std::string_view> d;
  CHECK(span_match("span-{SPAN}.csv", "span-12.csv", d));
  REQUIRE(d.size() == 1);
  CHECK(d[0] == "12");
  d.clear();
  CHECK_FALSE(span_match("span-{SPAN}.csv", "span-.csv", d));
  CHECK_FALSE(span_match("span-{SPAN}.csv", "span-1a.csv", d));
  CHECK_FALSE(span_match("*.csv", "a/b.csv", d));
  CHECK(span_match("d{SPAN}/*.csv", "d3/part1.csv", d));
  d.clear();
  CHECK(span_match("*{SPAN}.csv", "x123.csv", d));  // * takes what it can, {SPAN} keeps one digit at least
  REQUIRE(d.size() == 1);
  CHECK(d[0] == "3");
  d.clear();
  CHECK(span_match("a.b", "a.b", d));
  CHECK_FALSE(span_match("a.b", "axb", d));  // '.' is a plain character
  CHECK_FALSE(span_match("a*", "", d));
  CHECK(span_match("**", "", d));
}

TEST_CASE("csv_examples reads the current span, splits it and keeps the baseline") {
  static_assert(mlpipe::stage<mlpipe::csv_examples>);
  static_assert(mlpipe::stage_name<mlpipe::csv_examples>() == "csv_examples");
  auto dir = temp_dir("stage");
  // span 1 and span 2 of iris-like data; span 2 has a row more
  std::ifstream in(fs::path(MLPIPE_DATA_DIR) / "iris.csv");
  std::string header, line;
  std::getline(in, header);
  std::vector<std::string> rows;
  while (std::getline(in, line)) rows.push_back(line);
  {
    std::ofstream a(dir / "iris-1.csv"), b(dir / "iris-2.csv");
    a << header << "\n";
    b << header << "\n";
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (i < 100) a << rows[i] << "\n";
      b << rows[i] << "\n";
    }
  }
  mlpipe::context ctx;
  mlpipe::csv_examples stage{.pattern = (dir / "iris-{SPAN}.csv").string(), .label = "species"};
  auto e = stage(ctx);
  CHECK(e.span == 2);
  CHECK(e.label == "species");
  CHECK(e.train.rows() + e.eval.rows() == 150);
  CHECK(e.train.rows() > e.eval.rows());
  REQUIRE(e.baseline.has_value());
  CHECK(e.baseline->rows() == 100);
  CHECK(e.files.size() == 1);
  CHECK(e.input_fingerprint != 0);
  std::map<std::string, mlpipe::property_value> rec(ctx.records().begin(), ctx.records().end());
  CHECK(std::get<std::int64_t>(rec.at("train_rows")) == static_cast<std::int64_t>(e.train.rows()));
  CHECK(std::get<std::int64_t>(rec.at("eval_rows")) == static_cast<std::int64_t>(e.eval.rows()));
  CHECK(std::get<std::int64_t>(rec.at("baseline_rows")) == 100);
  // running again gives the same artifact; a changed file changes the source fingerprint
  auto fp = stage.source_fingerprint();
  CHECK(stage(ctx).fingerprint() == e.fingerprint());
  std::ofstream(dir / "iris-2.csv", std::ios::app) << "5.0,3.0,1.0,0.1,setosa\n";
  CHECK(stage.source_fingerprint() != fp);
  // parameters reflect and a missing label is named
  auto json = mlpipe::parameters_to_json(stage);
  CHECK(json["train_buckets"] == 2);
  CHECK(json["label"] == "species");
  auto bad = stage;
  bad.label = "kind";
  CHECK_THROWS_WITH(bad(ctx), doctest::Contains("label column 'kind' is not in"));
  // column type overrides from parameters (as a schema would give them)
  mlpipe::set_parameter(bad, "column_types", nlohmann::json{{"petal_width", "categorical"}});
  bad.label = "";
  CHECK(bad(ctx).train.col("petal_width").kind() == mlpipe::column_kind::categorical);
  fs::remove_all(dir);
}
