// Orchestration, as an engine runs a pipeline: every node of the life cycle run alone with explicit paths; the
// SLURM export run for real on a private one-node cluster (and with a failing node); the CWL export validated
// and run by cwltool; the Kubeflow and Airflow exports checked structurally; --watch on new spans. Each
// compares what the store records with a local run: the same nodes, parameters, cache keys and fingerprints.
#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/sqlite.hpp>

#include "../support/shell.hpp"

namespace fs = std::filesystem;
namespace md = mlpipe::metadata;
using json = nlohmann::json;

namespace {

const std::string program = MLPIPE_LIFECYCLE_PROGRAM;  // examples/lifecycle
const std::string watcher = MLPIPE_WATCH_PROGRAM;
const fs::path here = MLPIPE_ORCHESTRATE_DIR;
const fs::path source = MLPIPE_SOURCE_DIR;

using mlpipe::test_support::outcome;
using mlpipe::test_support::sh;
using mlpipe::test_support::temp_dir;
constexpr auto q = mlpipe::test_support::quote;

std::string read_file(const fs::path& p) {
  std::ifstream f(p);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

/// Two spans of breast_cancer.csv (span 2 with a drifted column), as examples/lifecycle/demo.sh makes them.
void make_spans(const fs::path& dir) {
  auto r = sh("bash " + q((source / "examples/lifecycle/make_spans.sh").string()) + " " +
              q((source / "examples/data/breast_cancer.csv").string()) + " " + q(dir.string()) + " mean_texture 1.5");
  REQUIRE(r.code == 0);
}

/// What a store says about one run, per node: state, cache key, parameters, output fingerprints by key.
struct node_record {
  std::string state, cache_key, error;
  std::map<std::string, std::string> params, outputs;
};
using run_record = std::map<std::string, node_record>;

std::string state_name(md::execution_state s) {
  switch (s) {
    case md::execution_state::complete: return "complete";
    case md::execution_state::cached: return "cached";
    case md::execution_state::failed: return "failed";
    case md::execution_state::canceled: return "canceled";
    case md::execution_state::running: return "running";
    default: return "other";
  }
}

run_record read_run(md::store& s, const std::string& run_id) {
  run_record r;
  auto ctx = s.get_context(md::names::pipeline_run, run_id);
  REQUIRE_MESSAGE(ctx, "no run " << run_id << " in the store");
  for (auto& e : s.get_executions_by_context(ctx->id)) {
    node_record n;
    n.state = state_name(e.state);
    n.cache_key = md::detail::prop_string(e.custom_properties, md::names::cache_key);
    n.error = md::detail::prop_string(e.custom_properties, md::names::error) +
              md::detail::prop_string(e.custom_properties, md::names::skipped_because);
    for (auto& [k, v] : e.properties) n.params[k] = md::to_text(v);
    for (auto& ev : s.get_events_by_execution_ids(std::span<const std::int64_t>(&e.id, 1))) {
      if (ev.type != md::event_type::output) continue;
      auto a = s.get_artifact(ev.artifact_id);
      REQUIRE(a);
      n.outputs[std::get<std::string>(ev.path[0])] = md::detail::prop_string(a->custom_properties, md::names::fingerprint);
    }
    r[md::detail::prop_string(e.custom_properties, md::names::node_name)] = n;
  }
  return r;
}

std::string run_state(md::store& s, const std::string& run_id) {
  auto ctx = s.get_context(md::names::pipeline_run, run_id);
  REQUIRE(ctx);
  return md::detail::prop_string(ctx->custom_properties, md::names::state);
}

/// The id of the only (or newest) run in a store.
std::string only_run(md::store& s) {
  auto runs = s.get_contexts_by_type(md::names::pipeline_run);
  REQUIRE(!runs.empty());
  return runs.back().name;
}

/// The same answer: every node, its parameters, cache key and output fingerprints equal (states may differ:
/// executed here, cached there).
void check_same(const run_record& a, const run_record& b) {
  REQUIRE(a.size() == b.size());
  for (auto& [node, x] : a) {
    INFO("node " << node);
    REQUIRE(b.count(node));
    auto& y = b.at(node);
    CHECK(x.cache_key == y.cache_key);
    CHECK(x.params == y.params);
    CHECK(x.outputs == y.outputs);
    CHECK(!x.outputs.empty());
  }
}

/// The life-cycle pipeline run locally into a fresh store: the reference every engine's run is compared with.
struct local_reference {
  temp_dir dir{"local"};
  std::string sets;
  run_record record;
  local_reference(const fs::path& data, const fs::path& serving) {
    sets = "--set examples.pattern=" + q((data / "span-{SPAN}.csv").string()) + " --set push.base=" + q(serving.string());
    auto r = sh(q(program) + " -q " + sets + " --store " + q("sqlite:" + (dir.path / "store.sqlite").string()) +
                " --root " + q((dir.path / "artifacts").string()), dir.path / "log");
    INFO(read_file(dir.path / "log"));
    REQUIRE(r.code == 0);
    auto s = md::open_sqlite_store(dir.path / "store.sqlite");
    record = read_run(*s, only_run(*s));
    fs::remove_all(serving);  // the engine's run pushes version 1 to the same place again
  }
};

// The life cycle's wiring: each node's input ports (producer, its output key) and outputs.
struct port {
  std::string port, producer, key;
};
struct wiring {
  std::string node;
  std::vector<port> inputs;
  std::vector<std::string> outputs;
};
const std::vector<wiring> lifecycle = {
    {"examples", {}, {"Examples"}},
    {"statistics", {{"examples", "examples", "Examples"}}, {"ExampleStatistics"}},
    {"schema", {{"statistics", "statistics", "ExampleStatistics"}}, {"Schema"}},
    {"anomalies", {{"statistics", "statistics", "ExampleStatistics"}, {"schema", "schema", "Schema"}}, {"ExampleAnomalies"}},
    {"transform", {{"examples", "examples", "Examples"}}, {"TransformGraph"}},
    {"model", {{"examples", "examples", "Examples"}, {"transform", "transform", "TransformGraph"}}, {"Model"}},
    {"evaluation",
     {{"model", "model", "Model"}, {"examples", "examples", "Examples"}, {"transform", "transform", "TransformGraph"}},
     {"evaluation", "blessing"}},
    {"push",
     {{"model", "model", "Model"}, {"transform", "transform", "TransformGraph"}, {"evaluation", "evaluation", "blessing"}},
     {"PushedModel"}},
};

}  // namespace

TEST_CASE("--run-node with explicit paths: every node of the life cycle, as an engine calls them; clear errors") {
  temp_dir t("run-node");
  make_spans(t.path / "data");
  local_reference local(t.path / "data", t.path / "serving");
  auto store = "sqlite:" + (t.path / "store.sqlite").string();
  auto art = t.path / "steps";
  auto call = [&](const wiring& w) {
    std::string c = q(program) + " -q " + local.sets + " --store " + q(store) + " --run-id run-by-hand --run-node " + w.node;
    for (auto& i : w.inputs) c += " --input " + q(i.port + "=" + (art / i.producer / i.key).string());
    for (auto& k : w.outputs) c += " --output " + q(k + "=" + (art / w.node / k).string());
    return c;
  };
  for (auto& w : lifecycle) {
    auto r = sh(call(w), t.path / "log");
    INFO(w.node << ": " << read_file(t.path / "log"));
    REQUIRE(r.code == 0);
    for (auto& k : w.outputs) CHECK(fs::exists(art / w.node / k / ".mlpipe-artifact-type"));
  }
  auto s = md::open_sqlite_store(t.path / "store.sqlite");
  check_same(local.record, read_run(*s, "run-by-hand"));

  // a second process on the same store: every node is served from the cache, outputs copied where asked
  art = t.path / "again";
  for (auto& w : lifecycle) REQUIRE(sh(call(w)).code == 0);
  for (auto& [node, n] : read_run(*s, "run-by-hand")) CHECK(n.state != "failed");
  CHECK(fs::exists(art / "model" / "Model" / ".mlpipe-artifact-type"));

  // what a new user gets wrong, said plainly (exit 2)
  auto err = [&](const std::string& args) {
    fs::remove(t.path / "err");
    auto r = sh(q(program) + " --store " + q(store) + " " + args, t.path / "err");
    CHECK(r.code == 2);
    return read_file(t.path / "err");
  };
  auto steps = t.path / "steps";
  CHECK(err("--run-node schema --input statistics=" + q((t.path / "nowhere").string()) + " --output Schema=" + q((t.path / "x").string()))
            .find("input port 'statistics': '" + (t.path / "nowhere").string() + "' does not exist (expected the ExampleStatistics artifact node 'statistics' wrote)") != std::string::npos);
  CHECK(err("--run-node schema --input statistics=" + q((steps / "examples" / "Examples").string()))
            .find("holds a Examples artifact, expected a ExampleStatistics") != std::string::npos);
  CHECK(err("--run-node schema --input statistics=" + q((steps / "statistics").string()))
            .find("(did you mean '" + (steps / "statistics" / "ExampleStatistics").string() + "'?)") != std::string::npos);
  CHECK(err("--run-node schema --run-id nothing-ran").find("input port 'statistics': no --input statistics=DIR given, and run nothing-ran has no ExampleStatistics output of node 'statistics'") != std::string::npos);
  CHECK(err("--run-node schema --input statistcs=/tmp").find("no input port 'statistcs' (its input ports: statistics)") != std::string::npos);
  CHECK(err("--run-node shema").find("the pipeline has no node 'shema' (its nodes: examples, statistics") != std::string::npos);
  CHECK(err("--input statistics=/tmp").find("--input and --output go with --run-node NAME") != std::string::npos);
  CHECK(err("--run-node schema --input /tmp").find("--input '/tmp': expected PORT=DIR") != std::string::npos);
}

TEST_CASE("SLURM for real: one job per node on a private cluster; a failed node's dependents canceled") {
  if (std::system("command -v slurmctld >/dev/null && command -v munged >/dev/null") != 0) {
    MESSAGE("SKIPPED: SLURM tests need Debian's slurm-wlm and munge (scripts/install-deps.sh installs them)");
    return;
  }
  temp_dir t("slurm");
  make_spans(t.path / "data");
  local_reference local(t.path / "data", t.path / "serving");
  auto cluster = t.path / "cluster";
  auto start = std::chrono::steady_clock::now();
  REQUIRE(sh("bash " + q((here / "slurm_cluster.sh").string()) + " start " + q(cluster.string()), t.path / "cluster.log").code == 0);
  MESSAGE("SLURM up in " << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() << " s");
  struct stop_cluster {
    fs::path dir;
    ~stop_cluster() { std::system(("bash " + q((here / "slurm_cluster.sh").string()) + " stop " + q(dir.string())).c_str()); }
  } stopper{cluster};
  auto env = "SLURM_CONF=" + q((cluster / "slurm.conf").string()) + " ";
  auto store = "sqlite:" + (t.path / "store.sqlite").string();
  auto wait_for = [&](const std::string& run_id) {
    // the finalizer is the last job: wait until the queue is empty
    for (int i = 0; i < 600; ++i) {
      auto r = sh(env + "squeue -h -o %i");
      if (r.code == 0 && r.out.empty()) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    MESSAGE("run " << run_id << " still queued: " << sh(env + "squeue").out);
    return false;
  };

  SUBCASE("the life cycle, one job per node, equals a local run; a second engine is served from its cache") {
    auto submit = sh(env + "MLPIPE_STORE=" + q(store) + " " + q(program) + " " + local.sets + " --root " +
                         q((t.path / "artifacts").string()) + " --run-id slurm-1 --submit slurm --resources 'model:cpus=1,mem=512M,time=10m'",
                     t.path / "submit.log");
    INFO(read_file(t.path / "submit.log"));
    REQUIRE(submit.code == 0);
    CHECK(submit.out.find("run slurm-1") != std::string::npos);
    REQUIRE(wait_for("slurm-1"));
    std::string logs;
    for (auto& e : fs::directory_iterator(t.path / "artifacts" / "slurm-logs")) logs += e.path().string() + ":\n" + read_file(e.path());
    INFO(logs);
    auto s = md::open_sqlite_store(t.path / "store.sqlite");
    auto slurm = read_run(*s, "slurm-1");
    check_same(local.record, slurm);
    for (auto& [node, n] : slurm) CHECK_MESSAGE(n.state == "complete", node);
    CHECK(run_state(*s, "slurm-1") == "COMPLETE");
    CHECK(s->get_contexts_by_type(md::names::pipeline_run).size() == 1);  // one run, whatever the processes
    // a local run on the same store (another engine): every node from the SLURM run's cache
    REQUIRE(sh(q(program) + " -q " + local.sets + " --store " + q(store) + " --root " + q((t.path / "artifacts").string())).code == 0);
    std::string second;
    for (auto& r : s->get_contexts_by_type(md::names::pipeline_run))
      if (r.name != "slurm-1") second = r.name;
    auto cached = read_run(*s, second);
    check_same(slurm, cached);
    for (auto& [node, n] : cached) CHECK_MESSAGE(n.state == "cached", node);
  }
  SUBCASE("a node fails: its dependents never run, the finalizer records them canceled and the run failed") {
    auto submit = sh(env + "MLPIPE_STORE=" + q(store) + " " + q(program) + " " + local.sets + " --set model.solver=bogus --root " +
                         q((t.path / "artifacts").string()) + " --run-id slurm-fail --submit slurm",
                     t.path / "submit.log");
    INFO(read_file(t.path / "submit.log"));
    REQUIRE(submit.code == 0);
    REQUIRE(wait_for("slurm-fail"));
    auto s = md::open_sqlite_store(t.path / "store.sqlite");
    auto r = read_run(*s, "slurm-fail");
    CHECK(r.at("model").state == "failed");
    CHECK(r.at("evaluation").state == "canceled");
    CHECK(r.at("evaluation").error == "input 'model' failed");
    CHECK(r.at("push").state == "canceled");
    for (auto n : {"examples", "statistics", "schema", "anomalies", "transform"}) CHECK_MESSAGE(r.at(n).state == "complete", n);
    CHECK(run_state(*s, "slurm-fail") == "FAILED");
    // the dependents' jobs were cancelled by SLURM, never started: no log of theirs
    CHECK(!fs::exists(t.path / "artifacts" / "lifecycle" / "evaluation"));
  }
}

TEST_CASE("CWL for real: cwltool --validate, then a run with --no-container to the same artifacts as a local run") {
  if (std::system("command -v cwltool >/dev/null") != 0) {
    MESSAGE("SKIPPED: the CWL test needs Debian's cwltool (scripts/install-deps.sh installs it)");
    return;
  }
  temp_dir t("cwl");
  make_spans(t.path / "data");
  local_reference local(t.path / "data", t.path / "serving");
  auto wf = t.path / "lifecycle.cwl";
  REQUIRE(sh(q(program) + " " + local.sets + " --export cwl --export-file " + q(wf.string())).code == 0);
  auto v = sh("cwltool --validate " + q(wf.string()), t.path / "validate.log");
  INFO(read_file(t.path / "validate.log"));
  REQUIRE(v.code == 0);
  auto store = "sqlite:" + (t.path / "store.sqlite").string();
  auto r = sh("cd " + q(t.path.string()) + " && MLPIPE_STORE=" + q(store) + " cwltool --no-container --preserve-environment MLPIPE_STORE --outdir " +
                  q((t.path / "out").string()) + " " + q(wf.string()) + " --run_id cwl-1",
              t.path / "run.log");
  INFO(read_file(t.path / "run.log"));
  REQUIRE(r.code == 0);
  auto outputs = json::parse(r.out);
  CHECK(outputs.size() == 9);  // every node's artifacts (evaluation has two)
  CHECK(fs::exists(t.path / "out" / "Model" / ".mlpipe-artifact-type"));
  auto s = md::open_sqlite_store(t.path / "store.sqlite");
  check_same(local.record, read_run(*s, "cwl-1"));
  CHECK(run_state(*s, "cwl-1") == "COMPLETE");
  // the same bytes as the local run's artifacts, e.g. the schema
  auto ls = md::open_sqlite_store(local.dir.path / "store.sqlite");
  fs::path local_schema;
  for (auto& a : ls->get_artifacts_by_type("Schema")) local_schema = a.uri;
  CHECK(read_file(fs::path(outputs["schema_Schema"]["path"].get<std::string>()) / "schema.json") == read_file(local_schema / "schema.json"));
}

namespace {
json expected_dag(const std::string& image, const std::vector<std::string>& sets) {
  json d = {{"pipeline", "lifecycle"}, {"image", image}, {"sets", sets}, {"nodes", json::array()}};
  for (auto& w : lifecycle) {
    json n = {{"name", w.node}, {"inputs", json::array()}, {"outputs", w.outputs}};
    for (auto& i : w.inputs) n["inputs"].push_back({{"port", i.port}, {"producer", i.producer}, {"key", i.key}});
    d["nodes"].push_back(n);
  }
  return d;
}
}  // namespace

TEST_CASE("Kubeflow Pipelines and Airflow: every task, edge, placeholder and parameter of the exports") {
  temp_dir t("exports");
  std::vector<std::string> sets = {"model.l2=0.01", "examples.pattern=/data/span-{SPAN}.csv"};
  std::string set_args;
  for (auto& s : sets) set_args += " --set " + q(s);
  auto check_export = [&](const std::string& kind, const std::string& image) {
    auto file = t.path / (kind + (image.empty() ? "" : "-pod") + ".out");
    auto want = t.path / "want.json";
    std::ofstream(want) << expected_dag(image, sets).dump();
    REQUIRE(sh(q(program) + set_args + " --export " + kind + (image.empty() ? "" : " --image " + image) +
               " --resources 'model:cpus=2,mem=1G,time=30m' --export-file " + q(file.string())).code == 0);
    auto r = sh(std::string(MLPIPE_SYSTEM_PYTHON) + " " + q((here / "check_exports.py").string()) + " " + kind + " " +
                    q(file.string()) + " " + q(want.string()),
                t.path / "check.log");
    INFO(kind << " " << image << ":\n" << r.out << read_file(t.path / "check.log") << "\n" << read_file(file));
    CHECK(r.code == 0);
    return read_file(file);
  };
  auto kfp = check_export("kfp", "registry.example/lifecycle:1");
  CHECK(kfp.find("memoryLimit: 1.073741824") != std::string::npos);
  CHECK(kfp.find("MLPIPE_STORE") != std::string::npos);
  auto bash = check_export("airflow", "");
  CHECK(bash.find("execution_timeout=datetime.timedelta(seconds=1800)") != std::string::npos);
  auto pod = check_export("airflow", "registry.example/lifecycle:1");
  CHECK(pod.find("\"memory\": \"1024Mi\"") != std::string::npos);
  // never a password in a file: the store comes from the environment
  auto slurm = sh("MLPIPE_STORE='mariadb://u:secret@db:3306/m' " + q(program) + " --export slurm").out;
  CHECK(slurm.find("secret") == std::string::npos);
  CHECK(slurm.find(": \"${MLPIPE_STORE:?set MLPIPE_STORE") != std::string::npos);
  CHECK(slurm.find("--kill-on-invalid-dep=yes") != std::string::npos);
  CHECK(slurm.find("--dependency=afterok:$job_examples:$job_transform") != std::string::npos);
  CHECK(slurm.find("--dependency=afterany:$job_examples") != std::string::npos);
  // bad resources are named
  fs::remove(t.path / "err");
  CHECK(sh(q(program) + " --export slurm --resources 'modl:cpus=2'", t.path / "err").code == 2);
  CHECK(read_file(t.path / "err").find("--resources 'modl:cpus=2': the pipeline has no node 'modl'") != std::string::npos);
  CHECK(sh(q(program) + " --export slurm --resources 'model:mem=8X'", t.path / "err").code == 2);
  CHECK(sh(q(program) + " --export-file x").code == 2);
}

namespace {
/// Starts the watcher in the background; returns its pid.
pid_t start_watch(const fs::path& dir, const std::string& args) {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    if (::chdir(dir.c_str()) != 0) ::_exit(127);
    auto log = (dir / "watch.log").string();
    auto cmd = "exec " + q(watcher) + " --store sqlite:store.sqlite --root artifacts " + args + " >>" + q(log) + " 2>&1";
    ::execl("/bin/sh", "sh", "-c", cmd.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  return pid;
}
int wait_exit(pid_t pid, double seconds) {
  auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  int st = 0;
  while (std::chrono::steady_clock::now() < until) {
    if (::waitpid(pid, &st, WNOHANG) == pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, &st, 0);
  return -1;
}
/// The runs in the store, oldest first: (examples span, per node state).
std::vector<std::pair<std::string, run_record>> watched_runs(const fs::path& dir) {
  auto s = md::open_sqlite_store(dir / "store.sqlite");
  std::vector<std::pair<std::string, run_record>> out;
  for (auto& r : s->get_contexts_by_type(md::names::pipeline_run)) {
    auto rec = read_run(*s, r.name);
    std::string span;
    auto ctx = s->get_context(md::names::pipeline_run, r.name);
    for (auto& e : s->get_executions_by_context(ctx->id))
      if (md::detail::prop_string(e.custom_properties, md::names::node_name) == "examples")
        span = md::detail::prop_string(e.custom_properties, "span");
    out.emplace_back(span, rec);
  }
  return out;
}
void add_span(const fs::path& dir, int span, const std::string& from) {
  fs::copy_file(dir / "data" / from, dir / "data" / (".tmp-" + std::to_string(span)));
  fs::rename(dir / "data" / (".tmp-" + std::to_string(span)), dir / "data" / ("span-" + std::to_string(span) + ".csv"));
}
std::size_t count_lines(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}
}  // namespace

TEST_CASE("--watch: one run per new span, oldest first, unchanged nodes cached, --max-runs ends it, SIGTERM is clean") {
  temp_dir t("watch");
  make_spans(t.path / "data");
  fs::copy_file(t.path / "data" / "span-1.csv", t.path / "reference.csv");

  SUBCASE("span 3 renamed into place: exactly one new run, on span 3, the reference branch from the cache") {
    auto pid = start_watch(t.path, "--watch --max-runs 2 --poll 0.1");
    // the start-up run on span 2 (the newest), then span 3
    for (int i = 0; i < 300 && watched_runs(t.path).size() < 1; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    for (int i = 0; i < 300 && read_file(t.path / "watch.log").find("watching") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    add_span(t.path, 3, "span-1.csv");
    INFO(read_file(t.path / "watch.log"));
    REQUIRE(wait_exit(pid, 60) == 0);
    auto runs = watched_runs(t.path);
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].first == "2");
    CHECK(runs[1].first == "3");
    CHECK(runs[1].second.at("examples").state == "complete");
    CHECK(runs[1].second.at("statistics").state == "complete");
    CHECK(runs[1].second.at("reference").state == "cached");  // its file did not change
    CHECK(runs[1].second.at("reference_statistics").state == "cached");
    // a watch started again finds span 3 run already: no start-up run, and --max-runs 1 then takes span 4
    pid = start_watch(t.path, "--watch --max-runs 1 --poll 0.1");
    for (int i = 0; i < 300 && count_lines(read_file(t.path / "watch.log"), "watching") < 2; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK(read_file(t.path / "watch.log").find("span 3: already run") != std::string::npos);
    add_span(t.path, 4, "span-2.csv");
    REQUIRE(wait_exit(pid, 60) == 0);
    CHECK(watched_runs(t.path).size() == 3);
  }
  SUBCASE("two spans renamed in together: two runs, oldest first, each once") {
    auto pid = start_watch(t.path, "--watch --max-runs 3 --poll 0.1");
    for (int i = 0; i < 300 && read_file(t.path / "watch.log").find("watching") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    add_span(t.path, 4, "span-2.csv");
    add_span(t.path, 3, "span-1.csv");
    INFO(read_file(t.path / "watch.log"));
    REQUIRE(wait_exit(pid, 60) == 0);
    auto runs = watched_runs(t.path);
    REQUIRE(runs.size() == 3);
    CHECK(runs[1].first == "3");
    CHECK(runs[2].first == "4");
    for (auto& [span, rec] : runs) CHECK(rec.size() == 4);
  }
  SUBCASE("SIGTERM mid-run: the watch stops, no execution is left half recorded") {
    auto pid = start_watch(t.path, "--watch --poll 0.1");
    // the signal comes once the start-up run's first node has logged: mid-run
    for (int i = 0; i < 3000 && read_file(t.path / "watch.log").find("[examples]") == std::string::npos; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    ::kill(pid, SIGTERM);
    INFO(read_file(t.path / "watch.log"));
    CHECK(wait_exit(pid, 60) == 0);
    auto s = md::open_sqlite_store(t.path / "store.sqlite");
    auto runs = s->get_contexts_by_type(md::names::pipeline_run);
    REQUIRE(runs.size() == 1);
    auto state = md::detail::prop_string(runs[0].custom_properties, md::names::state);
    CHECK((state == "FAILED" || state == "COMPLETE"));  // COMPLETE: the run was over before the signal
    auto rec = read_run(*s, runs[0].name);
    CHECK(rec.size() == 4);  // every node recorded: complete, or canceled with the reason
    for (auto& [node, n] : rec) {
      CHECK_MESSAGE((n.state == "complete" || n.state == "canceled"), node);
      if (n.state == "canceled") CHECK(n.error.find("stopped by signal 15") != std::string::npos);
    }
    if (state == "FAILED") MESSAGE("stopped mid-run: " << rec.at("reference_statistics").state);
  }
}
