// The main job end to end, as a user runs it: example_lifecycle and `mlpipe run` as separate processes on two
// spans of breast_cancer.csv (span 2 with mean_texture x 1.5), twice, then with one parameter changed.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../support/shell.hpp"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

using mlpipe::test_support::outcome;
using mlpipe::test_support::quote;
using mlpipe::test_support::sh;
using mlpipe::test_support::temp_dir;

/// The nodes of a text report (`  NAME  STATE  DURATION  figures`) in a state, as a set.
std::set<std::string> nodes_in(const std::string& out, const std::string& state) {
  std::set<std::string> r;
  std::stringstream ss(out);
  for (std::string line; std::getline(ss, line);) {
    if (!line.starts_with("  ")) continue;
    std::stringstream ls(line);
    std::string name, st;
    if (ls >> name >> st && st == state) r.insert(name);
  }
  return r;
}
using names = std::set<std::string>;

/// Node name -> state of a `mlpipe run --json` outcome.
std::map<std::string, std::string> states(const json& j) {
  std::map<std::string, std::string> m;
  for (auto& n : j.at("nodes")) m[n.at("node").get<std::string>()] = n.at("state").get<std::string>();
  return m;
}

/// The recorded figures of a node in a --json summary.
json records(const json& j, const std::string& node) {
  for (auto& n : j.at("nodes"))
    if (n.at("node") == node) return n.at("records");
  return json::object();
}

struct spans {
  temp_dir dir{"lifecycle"};
  std::string pattern;
  spans() {
    auto r = sh("bash " + quote(MLPIPE_MAKE_SPANS) + " " + quote(std::string(MLPIPE_DATA_DIR) + "/breast_cancer.csv") +
                " " + quote((dir.path / "data").string()) + " mean_texture 1.5");
    REQUIRE(r.code == 0);
    pattern = (dir.path / "data" / "span-{SPAN}.csv").string();
  }
};

}  // namespace

TEST_CASE("example_lifecycle: runs, then comes from the cache, re-runs only downstream of a change, reports drift") {
  spans data;
  const std::string store = "sqlite:" + (data.dir.path / "md.sqlite").string();
  const auto serving = data.dir.path / "serving" / "lifecycle";
  const std::string cmd = quote(MLPIPE_EXAMPLE_LIFECYCLE) + " --data " + quote(data.pattern) + " --store " +
                          quote(store) + " --root " + quote((data.dir.path / "artifacts").string()) + " --push-to " +
                          quote(serving.string());
  const names all{"examples", "statistics", "schema", "anomalies", "transform", "model", "evaluation", "push"};

  // the text report: a line per node with its state and figures
  auto first = sh(cmd);
  INFO(first.out);
  REQUIRE(first.code == 0);
  CHECK(first.out.find("8 executed") != std::string::npos);
  CHECK(nodes_in(first.out, "succeeded") == all);
  // the drift put into span 2 is what validation reports, and only it
  CHECK(first.out.find("anomalies 1,") != std::string::npos);
  CHECK(first.out.find("drift mean_texture") != std::string::npos);
  CHECK(first.out.find("blessed 1") != std::string::npos);
  CHECK(first.out.find("pushed_version 1") != std::string::npos);
  // the blessed model was pushed as version 1 of the serving directory
  CHECK(fs::is_directory(serving / "1"));

  // the store has the run and its eight executions, all COMPLETE
  auto runs = sh(quote(MLPIPE_CLI) + " runs --json --store " + quote(store));
  REQUIRE(runs.code == 0);
  auto jr = json::parse(runs.out);
  REQUIRE(jr.size() == 1);
  CHECK(jr[0]["pipeline"] == "lifecycle");
  CHECK(jr[0]["state"] == "COMPLETE");
  CHECK(jr[0]["executions"]["COMPLETE"] == 8);

  // the JSON summary of the second run: everything from the cache, with the figures of the executions reused
  auto second = sh(cmd + " --json");
  INFO(second.out);
  REQUIRE(second.code == 0);
  auto j2 = json::parse(second.out);
  for (auto& [n, s] : states(j2)) CHECK_MESSAGE(s == "cached", n);
  CHECK(states(j2).size() == all.size());
  CHECK(records(j2, "anomalies").contains("drift mean_texture"));  // cached anomalies still reported
  CHECK(records(j2, "evaluation")["auc"].get<double>() >= 0.8);   // and the cached evaluation's metrics
  CHECK(records(j2, "push")["pushed_version"] == 1);
  CHECK(j2["store"] == store);

  // one training parameter changed: exactly the model and what depends on it execute again
  auto changed = sh(cmd + " --set model.l2=0.01");
  INFO(changed.out);
  REQUIRE(changed.code == 0);
  CHECK(nodes_in(changed.out, "succeeded") == names{"model", "evaluation", "push"});
  CHECK(nodes_in(changed.out, "cached") == names{"examples", "statistics", "schema", "anomalies", "transform"});

  runs = sh(quote(MLPIPE_CLI) + " runs --json --store " + quote(store));
  jr = json::parse(runs.out);
  REQUIRE(jr.size() == 3);
  CHECK(jr[1]["executions"]["CACHED"] == 8);
  CHECK(jr[2]["executions"]["CACHED"] == 5);
  CHECK(jr[2]["executions"]["COMPLETE"] == 3);
  // the changed model is blessed too, so it was pushed as version 2; the cached run pushed nothing new
  CHECK(fs::is_directory(serving / "2"));
  CHECK(!fs::exists(serving / "3"));
  // the pushed model's lineage goes back to the data pattern
  auto lin = sh(quote(MLPIPE_CLI) + " lineage PushedModel --json --store " + quote(store));
  REQUIRE(lin.code == 0);
  CHECK(lin.out.find("span-{SPAN}.csv") != std::string::npos);
}

TEST_CASE("mlpipe run: the standard life cycle on any CSV, cached, with exit codes 0 / 1 / 2") {
  spans data;
  const std::string store = "sqlite:" + (data.dir.path / "run.sqlite").string();
  const std::string base = quote(MLPIPE_CLI) + " run --json --data " + quote(data.pattern) + " --store " + quote(store) +
                           " --root " + quote((data.dir.path / "artifacts").string());

  auto a = sh(base + " --label diagnosis --threshold 'auc>=0.8'");
  INFO(a.out);
  REQUIRE(a.code == 0);
  auto ja = json::parse(a.out);
  CHECK(ja["ok"] == true);
  CHECK(ja["model_kind"] == "logistic");  // two classes named malignant / benign
  CHECK(ja["pipeline"] == "span");
  for (auto& [n, s] : states(ja)) CHECK_MESSAGE(s == "succeeded", n);
  CHECK(ja["blessed"] == true);
  CHECK(ja["evaluation"]["auc"].get<double>() >= 0.8);
  bool drift = false;
  for (auto& an : ja["anomalies"]) drift = drift || (an["kind"] == "drift" && an["column"] == "mean_texture");
  CHECK(drift);
  CHECK(fs::is_directory(ja["model"].get<std::string>()));
  CHECK(ja["pushed"].is_null());  // no --push-to, no push node

  // with --push-to the blessed model is published as the next version
  auto serving = data.dir.path / "serving";
  auto jp = json::parse(sh(base + " --label diagnosis --threshold 'auc>=0.8' --no-baseline --push-to " +
                           quote(serving.string())).out);
  CHECK(states(jp)["push"] == "succeeded");
  CHECK(jp["pushed"]["version"] == 1);
  CHECK(fs::is_directory(serving / "1"));
  {  // the model was validated in a separate server process first
    CHECK(states(jp)["infra_validation"] == "succeeded");
    CHECK(jp["infra_blessed"] == true);
    // a model the server cannot serve is refused, and the run says why
    auto infra = sh(base + " --label diagnosis --threshold 'auc>=0.8' --no-baseline --push-to " + quote(serving.string()) +
                    " --set infra_validation.server=/bin/false");
    CHECK(infra.code == 1);
    auto ji = json::parse(infra.out);
    CHECK(states(ji)["infra_validation"] == "succeeded");
    CHECK(ji["infra_blessed"] == false);
    CHECK(states(ji)["push"] == "failed");
    std::string why;
    for (auto& n : ji["nodes"])
      if (n["node"] == "push") why = n.value("error", "");
    CHECK(why.find("failed infra validation") != std::string::npos);
    CHECK(why.find("exited with status 1") != std::string::npos);
    CHECK(!fs::exists(serving / "2"));
  }
  // an unblessed model is refused: the push node fails, exit 1, nothing published
  auto refused = sh(base + " --label diagnosis --threshold 'auc>=0.9999' --no-baseline --push-to " + quote(serving.string()));
  CHECK(refused.code == 1);
  CHECK(states(json::parse(refused.out))["push"] == "failed");
  CHECK(!fs::exists(serving / "2"));

  // the second run: the data, model and transform come from the cache; the first run's blessed model is now
  // the baseline, so the evaluation runs again, against it
  auto b = sh(base + " --label diagnosis --threshold 'auc>=0.8'");
  INFO(b.out);
  REQUIRE(b.code == 0);
  auto jb = json::parse(b.out);
  auto sb = states(jb);
  for (auto n : {"examples", "statistics", "schema", "anomalies", "transform", "model"}) CHECK_MESSAGE(sb[n] == "cached", n);
  CHECK(sb["evaluation"] == "succeeded");
  REQUIRE(jb["baseline"].is_string());
  CHECK(jb["evaluation"]["baseline_auc"] == jb["evaluation"]["auc"]);
  // third: even the evaluation against that same baseline is cached
  auto jc = json::parse(sh(base + " --label diagnosis --threshold 'auc>=0.8'").out);
  for (auto& [n, s] : states(jc)) CHECK_MESSAGE(s == "cached", n);
  CHECK(jc["evaluation"]["auc"] == ja["evaluation"]["auc"]);  // a cached evaluation still reports its metrics
  CHECK(jc["evaluation"]["baseline_auc"] == ja["evaluation"]["auc"]);

  // --no-cache executes everything again
  auto jn = json::parse(sh(base + " --label diagnosis --threshold 'auc>=0.8' --no-cache").out);
  for (auto& [n, s] : states(jn)) CHECK_MESSAGE(s == "succeeded", n);

  // the label by its number (diagnosis is column 31) is the same pipeline, so all of it is cached (without a
  // baseline: the --no-cache run's model is a new artifact, so the baseline's path would differ)
  auto jnum = json::parse(sh(base + " --label 31 --threshold 'auc>=0.8' --no-baseline").out);
  CHECK(jnum["label"] == "diagnosis");
  for (auto& [n, s] : states(jnum)) CHECK_MESSAGE(s == "cached", n);

  // a node that fails: exit 1, the ones after it skipped
  auto f = sh(base + " --label diagnosis --set model.solver=bogus");
  CHECK(f.code == 1);
  auto jf = json::parse(f.out);
  CHECK(states(jf)["model"] == "failed");
  CHECK(states(jf)["evaluation"] == "skipped");

  // usage and input errors: exit 2
  CHECK(sh(base + " --label no_such_column 2>/dev/null").code == 2);
  CHECK(sh(base + " --label 99 2>/dev/null").code == 2);
  CHECK(sh(quote(MLPIPE_CLI) + " run --data " + quote((data.dir.path / "none-{SPAN}.csv").string()) +
           " --label x --store " + quote(store) + " 2>/dev/null").code == 2);
  CHECK(sh(base + " --label diagnosis --threshold 'auc=0.8' 2>/dev/null").code == 2);
  CHECK(sh(base + " --label diagnosis --set nosuchnode.x=1 2>/dev/null").code == 2);
  CHECK(sh(base + " --label diagnosis --model tree 2>/dev/null").code == 2);
}

TEST_CASE("mlpipe run: numeric class labels, and a linear model") {
  temp_dir dir{"lifecycle"};
  auto csv = (dir.path / "cancer01.csv").string();
  // diagnosis as 1 (malignant) / 0 (benign)
  REQUIRE(sh("awk -F, -v OFS=, 'NR > 1 { $NF = ($NF == \"malignant\") ? 1 : 0 } { print }' " +
             quote(std::string(MLPIPE_DATA_DIR) + "/breast_cancer.csv") + " > " + quote(csv)).code == 0);
  const std::string base = quote(MLPIPE_CLI) + " run --json --data " + quote(csv) + " --store " +
                           quote("sqlite:" + (dir.path / "s.sqlite").string()) + " --root " +
                           quote((dir.path / "a").string());
  auto j = json::parse(sh(base + " --label diagnosis").out);
  CHECK(j["ok"] == true);
  CHECK(j["model_kind"] == "logistic");
  CHECK(j["evaluation"]["auc"].get<double>() > 0.9);
  auto l = json::parse(sh(base + " --label mean_area --exclude diagnosis --model linear").out);
  CHECK(l["ok"] == true);
  CHECK(l["model_kind"] == "linear");
}

TEST_CASE("mlpipe run: the same life cycle recorded in MariaDB") {
  const char* url = std::getenv("MLPIPE_TEST_MARIADB_URL");
  if (!url || !*url) {
    MESSAGE("MLPIPE_TEST_MARIADB_URL is not set: the MariaDB case did not run");
    return;
  }
  spans data;
  // a pipeline name of its own, so earlier runs in the shared test database do not count
  const std::string name = "lifecycle_" + std::to_string(::getpid()) + "_" + data.dir.path.filename().string().substr(17, 8);
  const std::string base = quote(MLPIPE_CLI) + " run --json --data " + quote(data.pattern) + " --label diagnosis --store " +
                           quote(url) + " --pipeline " + name + " --root " + quote((data.dir.path / "a").string());
  auto a = sh(base);
  INFO(a.out);
  REQUIRE(a.code == 0);
  for (auto& [n, s] : states(json::parse(a.out))) CHECK_MESSAGE(s == "succeeded", n);
  auto b = sh(base + " --no-baseline");
  REQUIRE(b.code == 0);
  for (auto& [n, s] : states(json::parse(b.out))) CHECK_MESSAGE(s == "cached", n);
}
