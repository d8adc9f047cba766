// The `mlpipe stats | schema | validate` commands, driven in-process: exit codes, output, and streaming in
// chunks smaller than the file giving the same statistics as reading it whole.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cmath>
#include <fstream>
#include <iostream>
#include <sstream>

#include "../../tools/commands/data.hpp"
#include "peer.hpp"

using namespace mlpipe;

namespace {

struct run_result {
  int code;
  std::string out;
};

run_result run(std::vector<std::string> args) {
  CLI::App app{"mlpipe"};
  app.require_subcommand(1);
  int exit_code = 0;
  tools::add_data_commands(app, exit_code);
  std::vector<const char*> argv{"mlpipe"};
  for (auto& a : args) argv.push_back(a.c_str());
  std::ostringstream captured;
  auto* old = std::cout.rdbuf(captured.rdbuf());
  int code;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
    code = exit_code;
  } catch (const CLI::ParseError& e) {
    code = e.get_exit_code() == 0 ? 0 : 2;  // as tools/mlpipe.cpp maps usage errors
  }
  std::cout.rdbuf(old);
  return {code, captured.str()};
}

std::string data(const char* name) { return std::string(MLPIPE_DATA_DIR) + "/" + name; }

}  // namespace

TEST_CASE("mlpipe validate: exit 0 when clean, 1 on anomalies, 2 on a bad schema or input") {
  auto dir = test::temp_dir("cli");
  auto schema_file = (dir / "schema.json").string();
  auto r = run({"schema", data("iris.csv"), "-o", schema_file});
  REQUIRE(r.code == 0);
  CHECK(r.out.find("species") != std::string::npos);
  CHECK(run({"validate", data("iris.csv"), "--schema", schema_file, "--baseline", data("iris.csv")}).code == 0);

  auto bad = run({"validate", data("fair.csv"), "--schema", schema_file, "--json"});
  CHECK(bad.code == 1);
  auto j = nlohmann::json::parse(bad.out);
  CHECK(j["anomaly_count"].get<int>() > 0);
  CHECK(j["anomalies"][0]["kind"] == "missing_column");

  std::ofstream(dir / "broken.json") << R"({"columns": [{"name": "x", "type": "numeric", "range": {"min": "a"}}]})";
  CHECK(run({"validate", data("iris.csv"), "--schema", (dir / "broken.json").string()}).code == 2);
  std::ofstream(dir / "ragged.csv") << "a,b\n1,2\n3\n";
  CHECK(run({"validate", (dir / "ragged.csv").string(), "--schema", schema_file}).code == 2);
  CHECK(run({"validate", data("iris.csv")}).code == 2);  // --schema is required
  CHECK(run({"stats", data("iris.csv"), "--memory-budget", "lots"}).code == 2);
  std::filesystem::remove_all(dir);
}

TEST_CASE("mlpipe stats streams a file in chunks and gets the whole-file statistics") {
  // randhie.csv (about 1 MB) with a 64 KB budget: many chunks, merged.
  auto chunked = run({"stats", data("randhie.csv"), "--json", "--memory-budget", "64K", "--threads", "2"});
  REQUIRE(chunked.code == 0);
  auto streamed = example_statistics::from_json(nlohmann::json::parse(chunked.out));
  auto whole = compute_statistics(read_csv(data("randhie.csv")), "whole");
  const auto& s = streamed.splits.at(0);
  CHECK(s.rows == whole.rows);
  for (auto& w : whole.columns) {
    CAPTURE(w.name());
    auto* c = s.find(w.name());
    REQUIRE(c);
    CHECK(c->present() == w.present());
    CHECK(c->zeros() == w.zeros());
    CHECK(c->min() == w.min());
    CHECK(c->max() == w.max());
    CHECK(c->mean() == doctest::Approx(w.mean()).epsilon(1e-12));
    CHECK(c->std_dev() == doctest::Approx(w.std_dev()).epsilon(1e-12));
    // The streamed median's rank, as the whole-file sketch sees it, is 0.5 within both sketches' bounds
    // (a rank interval: values equal to the median may sit on either side).
    double tol = c->sketch().rank_error() + w.sketch().rank_error() + 1e-9, m = c->median();
    double below = w.sketch().rank(std::nextafter(m, -INFINITY)), at_or_below = w.sketch().rank(m);
    CHECK(0.5 >= below - tol);
    CHECK(0.5 <= at_or_below + tol);
  }
  auto text = run({"stats", data("iris.csv")});
  CHECK(text.out.find("sepal_length") != std::string::npos);
}
