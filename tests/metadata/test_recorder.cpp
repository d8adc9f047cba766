// The recorder: contexts, executions, artifacts and events of a run; caching; abandoned runs. First with a
// scripted sequence of observer calls, then with real pipeline runs (change a parameter, then an input file).
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/reports.hpp>

#include "backends.hpp"
#include "numbers_pipeline.hpp"

using namespace mlpipe::metadata;
using mlpipe_test::backend;
namespace fs = std::filesystem;

namespace {

mlpipe::artifact_ref save_output(const fs::path& dir, const std::string& key, const std::string& type,
                                 std::uint64_t fp) {
  // as the runner does: write under a temporary name, rename into place
  fs::create_directories(dir);
  auto tmp = dir / ("." + key + ".tmp");
  fs::create_directories(tmp);
  std::ofstream(tmp / "data.txt") << key << fp;
  fs::rename(tmp, dir / key);
  return mlpipe::artifact_ref{key, 0, type, dir / key, fp, {}};
}

struct scripted_node {
  std::string name, stage;
  nlohmann::json params;
  std::uint64_t key;
  mlpipe::node_info info() const {
    return mlpipe::node_info{"demo", name, stage, 1, &params, key};
  }
};

std::vector<std::pair<std::string, mlpipe::property_value>> records(std::int64_t rows, double auc) {
  return {{"rows", rows}, {"auc", auc}, {"note", std::string("it's \"fine\"\n")}};
}

void scripted_runs(const backend& b) {
  auto s = b.open();
  auto root = b.dir->path / "artifacts";
  scripted_node gen{"gen", "csv_examples", {{"pattern", "a*.csv"}, {"seed", 7}, {"ratio", 0.5}, {"shuffle", true},
                                            {"splits", {"train", "eval"}}}, 0x1111};
  scripted_node train{"train", "train", {{"rounds", 10}}, 0x2222};
  std::vector<std::string> names{"gen", "train"};

  // ---- run 1: both nodes execute
  recorder rec(*s, root);
  rec.run_started("demo", "run-1", names);
  CHECK_FALSE(rec.find_cached(gen.info(), {}));
  auto dir = rec.node_started(gen.info(), {});
  CHECK(dir.parent_path().parent_path() == root / "demo" / "gen");  // <root>/<pipeline>/<node>/<execution id>/
  auto gen_exec = std::stoll(dir.parent_path().filename().string());
  {
    auto e = s->get_execution(gen_exec);
    REQUIRE(e);
    CHECK(e->state == execution_state::running);
    CHECK(e->type == "csv_examples");
    CHECK(e->properties.at("seed") == value{std::int64_t{7}});
    CHECK(e->properties.at("ratio") == value{0.5});
    CHECK(e->properties.at("shuffle") == value{true});
    CHECK(e->properties.at("pattern") == value{std::string("a*.csv")});
    CHECK(e->properties.at("splits") == value{std::string(R"(["train","eval"])")});
  }
  std::vector<mlpipe::artifact_ref> gen_out{save_output(dir, "Examples", "Examples", 0xabc)};
  rec.node_succeeded(gen.info(), gen_out, records(150, 0.5));
  std::vector<mlpipe::artifact_ref> train_in{gen_out[0]};
  train_in[0].key = "gen";
  CHECK_FALSE(rec.find_cached(train.info(), train_in));
  auto tdir = rec.node_started(train.info(), train_in);
  std::vector<mlpipe::artifact_ref> train_out{save_output(tdir, "Model", "Model", 0xdef)};
  rec.node_succeeded(train.info(), train_out, records(100, 0.93));
  rec.run_finished(true);

  {
    auto run = s->get_context("pipeline_run", "run-1");
    REQUIRE(run);
    CHECK(run->custom_properties.at("mlpipe_state") == value{std::string("COMPLETE")});
    CHECK(s->get_parent_contexts(run->id).at(0).name == "demo");
    auto execs = s->get_executions_by_context(run->id);
    REQUIRE(execs.size() == 2);
    for (auto& e : execs) CHECK(e.state == execution_state::complete);
    CHECK(execs[1].custom_properties.at("auc") == value{0.93});
    CHECK(execs[1].custom_properties.at("rows") == value{std::int64_t{100}});
    CHECK(execs[1].custom_properties.at("note") == value{std::string("it's \"fine\"\n")});
    CHECK(s->get_context("node", "demo.train"));
    auto arts = s->get_artifacts_by_context(run->id);
    REQUIRE(arts.size() == 2);
    for (auto& a : arts) {
      CHECK(a.state == artifact_state::live);
      CHECK(fs::is_directory(a.uri));
    }
    CHECK(arts[1].type == "Model");
    CHECK(arts[1].custom_properties.at("fingerprint") == value{mlpipe::fingerprint_hex(0xdef)});
    // train's input event points at gen's output, path [producer, index]
    auto ev = s->get_events_by_execution_ids(std::span<const std::int64_t>(&execs[1].id, 1));
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].type == event_type::input);
    CHECK(ev[0].artifact_id == arts[0].id);
    CHECK(ev[0].path == std::vector<path_step>{std::string("gen"), std::int64_t{0}});
    CHECK(ev[1].type == event_type::output);
    CHECK(ev[1].path == std::vector<path_step>{std::string("Model"), std::int64_t{0}});
  }

  // ---- run 2: same keys -> both served from the cache, recorded as CACHED
  recorder rec2(*s, root);
  rec2.run_started("demo", "run-2", names);
  auto hit = rec2.find_cached(gen.info(), {});
  REQUIRE(hit);
  REQUIRE(hit->size() == 1);
  CHECK((*hit)[0].uri == gen_out[0].uri);
  CHECK((*hit)[0].fingerprint == 0xabc);
  CHECK((*hit)[0].key == "Examples");
  rec2.node_cached(gen.info(), {}, *hit);
  auto hit2 = rec2.find_cached(train.info(), train_in);
  REQUIRE(hit2);
  rec2.node_cached(train.info(), train_in, *hit2);
  rec2.run_finished(true);
  {
    auto run = s->get_context("pipeline_run", "run-2");
    REQUIRE(run);
    auto execs = s->get_executions_by_context(run->id);
    REQUIRE(execs.size() == 2);
    for (auto& e : execs) CHECK(e.state == execution_state::cached);
    CHECK(execs[0].custom_properties.at("mlpipe_cached_from") == value{gen_exec});
    // the cached execution's outputs are the same artifacts, attributed to the new run too
    CHECK(s->get_artifacts_by_context(run->id).size() == 2);
  }

  // ---- a changed key misses; a newer execution with the same key wins; deleted files are not reused
  recorder rec3(*s, root);
  rec3.run_started("demo", "run-3", names);
  rec3.set_cache(false);
  CHECK_FALSE(rec3.find_cached(gen.info(), {}));  // --no-cache
  rec3.set_cache(true);
  rec3.disable_cache_for("gen");
  CHECK_FALSE(rec3.find_cached(gen.info(), {}));  // per-node opt-out
  CHECK(rec3.find_cached(train.info(), train_in));
  recorder rec4(*s, root);
  rec4.run_started("demo", "run-4", names);
  auto dir4 = rec4.node_started(gen.info(), {});
  std::vector<mlpipe::artifact_ref> newer{save_output(dir4, "Examples", "Examples", 0xabc)};
  rec4.node_succeeded(gen.info(), newer, records(150, 0.5));
  rec4.run_finished(true);
  auto newest = rec4.find_cached(gen.info(), {});
  REQUIRE(newest);
  CHECK((*newest)[0].uri == newer[0].uri);
  fs::remove_all(newer[0].uri);
  auto older = rec4.find_cached(gen.info(), {});
  REQUIRE(older);
  CHECK((*older)[0].uri == gen_out[0].uri);  // falls back to the older execution whose files exist
  auto gone = s->get_artifacts_by_uri(newer[0].uri.string());
  REQUIRE(gone.size() == 1);
  CHECK(gone[0].state == artifact_state::deleted);  // the store now says the files are gone
  scripted_node other = gen;
  other.key = 0x9999;
  CHECK_FALSE(rec4.find_cached(other.info(), {}));

  // ---- failure and skip
  recorder rec5(*s, root);
  rec5.run_started("demo", "run-5", names);
  rec5.node_started(gen.info(), {});
  rec5.node_failed(gen.info(), "column 'x': 3 NaNs");
  rec5.node_skipped(train.info(), "gen");
  rec5.run_finished(false);
  {
    auto run = s->get_context("pipeline_run", "run-5");
    REQUIRE(run);
    CHECK(run->custom_properties.at("mlpipe_state") == value{std::string("FAILED")});
    auto execs = s->get_executions_by_context(run->id);
    REQUIRE(execs.size() == 2);
    CHECK(execs[0].state == execution_state::failed);
    CHECK(execs[0].custom_properties.at("mlpipe_error") == value{std::string("column 'x': 3 NaNs")});
    CHECK(execs[1].state == execution_state::canceled);
    CHECK(execs[1].custom_properties.at("mlpipe_skipped_because") == value{std::string("gen")});
  }
}

std::int64_t dead_pid() {
  pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  int st = 0;
  ::waitpid(p, &st, 0);
  return p;
}

void abandoned_runs(const backend& b) {
  auto s = b.open();
  // What a killed run leaves: its run RUNNING, an execution RUNNING (pid now dead) with a PENDING output.
  context pc{0, 0, "pipeline", "demo", {}, 0, 0, {}, {}};
  pc = s->ensure_context(pc);
  context rc{0, 0, "pipeline_run", "killed", {}, 0, 0, {}, {}};
  rc.custom_properties = {{"mlpipe_state", std::string("RUNNING")}, {"mlpipe_pipeline", std::string("demo")},
                          {"mlpipe_host", detail::host_name()},
                          {"mlpipe_pid", dead_pid()}};
  s->put_context(rc);
  s->put_parent_context(rc.id, pc.id);
  execution e;
  e.type = "train";
  e.state = execution_state::running;
  e.custom_properties = {{"mlpipe_host", detail::host_name()}, {"mlpipe_pid", dead_pid()}};
  std::vector<store::artifact_and_event> items(1);
  items[0].artifact.type = "Model";
  items[0].artifact.uri = (b.dir->path / "never-written").string();
  items[0].artifact.state = artifact_state::pending;
  items[0].event = event{0, 0, 0, event_type::pending_output, 0, {std::string("Model"), std::int64_t{0}}};
  std::vector<context> ctxs{pc, rc};
  s->put_execution(e, items, ctxs);
  // A RUNNING execution of a live process (this one, via another recorder) is left alone.
  execution alive;
  alive.type = "train";
  alive.state = execution_state::running;
  alive.custom_properties = {{"mlpipe_host", detail::host_name()}, {"mlpipe_pid", std::int64_t{::getppid()}}};
  std::vector<store::artifact_and_event> none;
  s->put_execution(alive, none, ctxs);

  recorder rec(*s, b.dir->path / "artifacts");
  std::vector<std::string> names{"train"};
  rec.run_started("demo", "next", names);
  CHECK(rec.abandoned_count() == 1);
  auto after = s->get_execution(e.id);
  REQUIRE(after);
  CHECK(after->state == execution_state::canceled);
  CHECK(after->custom_properties.at("mlpipe_abandoned") == value{true});
  CHECK(s->get_artifact(items[0].artifact.id)->state == artifact_state::abandoned);
  CHECK(s->get_execution(alive.id)->state == execution_state::running);
  CHECK(s->get_context("pipeline_run", "killed")->custom_properties.at("mlpipe_state") ==
        value{std::string("ABANDONED")});
}

/// Runs the numbers pipeline and returns which nodes executed (not served from the cache).
std::map<std::string, int> run_once(recorder& rec, const std::string& file, long factor) {
  {
    std::lock_guard lk(numbers_test::calls_mutex);
    numbers_test::calls.clear();
  }
  auto p = numbers_test::make_pipeline(file, factor);
  auto r = mlpipe::run(p, {.observer = &rec});
  CHECK(r.ok());
  std::lock_guard lk(numbers_test::calls_mutex);
  return numbers_test::calls;
}

void real_pipeline_caching(const backend& b) {
  auto s = b.open();
  auto input = b.dir->path / "input.txt";
  numbers_test::write_numbers(input, {1, 2, 3, 4});
  recorder rec(*s, b.dir->path / "artifacts");
  using calls = std::map<std::string, int>;
  CHECK(run_once(rec, input.string(), 2) == calls{{"read", 1}, {"scale", 1}, {"sum", 1}, {"count", 1}});
  CHECK(run_once(rec, input.string(), 2) == calls{{"read", 1}});  // nothing changed: the rest from the cache
  CHECK(run_once(rec, input.string(), 3) == calls{{"read", 1}, {"scale", 1}, {"sum", 1}});  // a parameter
  CHECK(run_once(rec, input.string(), 2) == calls{{"read", 1}});  // back: the earlier executions are reused
  numbers_test::write_numbers(input, {1, 2, 3, 5});
  CHECK(run_once(rec, input.string(), 2) == calls{{"read", 1}, {"scale", 1}, {"sum", 1}, {"count", 1}});  // new data
  numbers_test::write_numbers(input, {1, 2, 3, 5});
  CHECK(run_once(rec, input.string(), 2) == calls{{"read", 1}});  // same bytes again
  // every execution was recorded, with its cache state, and the last run's sum is right
  auto run = s->get_context("pipeline_run", rec.run_id());
  REQUIRE(run);
  auto execs = s->get_executions_by_context(run->id);
  REQUIRE(execs.size() == 4);
  int cached = 0;
  for (auto& e : execs) {
    cached += e.state == execution_state::cached;
    // a cached execution carries the summary figures of the execution it reuses
    if (e.type == "sum") CHECK(e.custom_properties.at("sum") == value{std::int64_t{22}});
  }
  CHECK(cached == 3);
}

void reports(const backend& b) {
  auto s = b.open();
  auto input = b.dir->path / "input.txt";
  numbers_test::write_numbers(input, {1, 2, 3, 4});
  recorder rec(*s, b.dir->path / "artifacts");
  run_once(rec, input.string(), 2);
  auto first = rec.run_id();
  run_once(rec, input.string(), 3);
  auto second = rec.run_id();

  auto runs = list_runs(*s);
  REQUIRE(runs.size() == 2);
  CHECK(runs[0]["run"] == first);
  CHECK(runs[1]["state"] == "COMPLETE");
  CHECK(runs[1]["executions"]["CACHED"] == 1);  // count reused
  CHECK(find_run(*s, "latest").name == second);
  CHECK(find_run(*s, second.substr(0, second.size() - 2)).name == second);
  CHECK_THROWS_WITH_AS(find_run(*s, "no-such-run"), doctest::Contains("no run 'no-such-run'"), store_error);

  // the newest Numbers artifact is sum's output of the second run; its lineage goes back to the input file
  auto shown = show_run(*s, second);
  REQUIRE(shown["nodes"].size() == 4);
  std::string sum_uri;
  for (auto& n : shown["nodes"])
    if (n["node"] == "sum") sum_uri = n["outputs"][0]["uri"];
  auto l = lineage(*s, sum_uri);
  REQUIRE(l["steps"].size() == 3);
  CHECK(l["steps"][0]["node"] == "sum");
  CHECK(l["steps"][1]["node"] == "scale");
  CHECK(l["steps"][1]["parameters"]["factor"] == 3);
  CHECK(l["steps"][2]["node"] == "read");
  REQUIRE(l["sources"].size() == 1);
  CHECK(l["sources"][0]["parameters"]["path"] == input.string());
  CHECK(lineage(*s, "numbers")["artifact"]["type"] == "Numbers");  // a type name, any case: the newest LIVE one

  auto c = compare_runs(*s, first, second);
  bool saw_scale = false;
  for (auto& n : c["nodes"])
    if (n["node"] == "scale") {
      saw_scale = true;
      CHECK(n["parameters"]["factor"] == nlohmann::json::array({2, 3}));
      CHECK(n["differs"] == true);
    }
  CHECK(saw_scale);

  auto h = metric_history(*s, "sum");
  REQUIRE(h.size() == 2);
  CHECK(h[0]["value"] == 20);
  CHECK(h[1]["value"] == 30);
  CHECK(h[1]["run"] == second);
}

}  // namespace

MLPIPE_BOTH_BACKENDS("reports: runs, show, lineage back to the input file, compare, history", reports)
MLPIPE_BOTH_BACKENDS("recorder: scripted runs record executions, artifacts, events; cache hits and misses",
                     scripted_runs)
MLPIPE_BOTH_BACKENDS("recorder: executions a killed run left RUNNING are marked abandoned", abandoned_runs)
MLPIPE_BOTH_BACKENDS("recorder: real runs re-run exactly the nodes downstream of a change", real_pipeline_caching)
