// Running pipelines: sequential and parallel give the same results, failures are named, downstream skipped,
// run_node loads its inputs from artifact directories, and an observer sees (and can cache) every node.
#include <doctest/doctest.h>

#include <mlpipe/core.hpp>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace mp = mlpipe;
namespace fs = std::filesystem;

namespace {
/// A small artifact: a list of numbers saved as text.
struct numbers {
  static constexpr std::string_view type_name = "Numbers";
  std::vector<long> values;
  void save(const fs::path& dir) const {
    std::ofstream f(dir / "values.txt");
    for (auto v : values) f << v << '\n';
  }
  static numbers load(const fs::path& dir) {
    std::ifstream f(dir / "values.txt");
    if (!f) throw std::runtime_error("no values.txt in " + dir.string());
    numbers n;
    long v;
    while (f >> v) n.values.push_back(v);
    return n;
  }
  std::uint64_t fingerprint() const {
    mp::hasher h;
    for (auto v : values) h.update_value(v);
    return h.digest();
  }
};
static_assert(mp::artifact<numbers>);

std::atomic<int> calls{0};

std::uint64_t outside_data = 1;  // stands for the files a reader stage reads

struct range {
  long n = 10;
  MLPIPE_PARAMETERS(n);
  static constexpr std::string_view name = "range";
  std::uint64_t source_fingerprint() const { return outside_data; }
  numbers operator()(mp::context& ctx) const {
    ++calls;
    numbers r;
    for (long i = 0; i < n; ++i) r.values.push_back(i * static_cast<long>(outside_data));
    ctx.record("rows", static_cast<std::int64_t>(n));
    return r;
  }
};
struct square {
  static constexpr std::string_view name = "square";
  numbers operator()(const numbers& in) const {
    ++calls;
    numbers r = in;
    for (auto& v : r.values) v *= v;
    return r;
  }
};
struct total {
  static constexpr std::string_view name = "total";
  numbers operator()(const numbers& a, const numbers& b) const {
    ++calls;
    long s = 0;
    for (auto v : a.values) s += v;
    for (auto v : b.values) s += v;
    return numbers{{s}};
  }
};
struct fail_when {
  bool fail = true;
  MLPIPE_PARAMETERS(fail);
  numbers operator()(const numbers& in) const {
    if (fail) throw std::runtime_error("column 'x' has 3 NaNs");
    return in;
  }
};

auto make_pipeline() {
  return mp::pipeline("numbers", mp::node<"range">(range{}), mp::node<"sq">(square{}) << mp::from<"range">,
                      mp::node<"sq2">(square{}) << mp::from<"range">,
                      mp::node<"total">(total{}) << mp::from<"sq", "sq2">,
                      mp::node<"check">(fail_when{.fail = false}) << mp::from<"total">,
                      mp::node<"after">(square{}) << mp::from<"check">);
}

/// Records the order of observer calls, and serves a cache when told to.
struct recording_observer : mp::run_observer {
  std::vector<std::string> events;
  fs::path root;
  std::map<std::pair<std::string, std::uint64_t>, std::vector<mp::artifact_ref>> cache;  // per node, as a store does
  std::map<std::pair<std::string, std::uint64_t>, std::vector<std::pair<std::string, mp::property_value>>> records;
  std::uint64_t last_key_total = 0;

  void run_started(std::string_view pipeline, std::string_view, std::span<const std::string> nodes) override {
    events.push_back("run " + std::string(pipeline) + " " + std::to_string(nodes.size()));
  }
  std::optional<std::vector<mp::artifact_ref>> find_cached(const mp::node_info& n,
                                                           std::span<const mp::artifact_ref>) override {
    auto it = cache.find({std::string(n.name), n.cache_key});
    if (it == cache.end()) return std::nullopt;
    return it->second;
  }
  void node_cached(const mp::node_info& n, std::span<const mp::artifact_ref>, std::span<const mp::artifact_ref>) override {
    events.push_back("cached " + std::string(n.name));
  }
  std::vector<std::pair<std::string, mp::property_value>> cached_records(const mp::node_info& n) override {
    return records[{std::string(n.name), n.cache_key}];
  }
  fs::path node_started(const mp::node_info& n, std::span<const mp::artifact_ref> inputs) override {
    std::string s = "start " + std::string(n.name) + " [";
    for (auto& i : inputs) s += i.key + ":" + i.type_name + " ";
    events.push_back(s + "]");
    if (n.name == "total") last_key_total = n.cache_key;
    return root / std::string(n.name) / std::to_string(events.size());
  }
  void node_succeeded(const mp::node_info& n, std::span<const mp::artifact_ref> outs,
                      std::span<const std::pair<std::string, mp::property_value>> records_) override {
    std::string s = "ok " + std::string(n.name) + " " + std::to_string(outs.size());
    for (auto& [k, v] : records_) s += " " + k + "=" + std::to_string(std::get<std::int64_t>(v));
    events.push_back(s);
    cache[{std::string(n.name), n.cache_key}] = {outs.begin(), outs.end()};
    records[{std::string(n.name), n.cache_key}] = {records_.begin(), records_.end()};
  }
  void node_failed(const mp::node_info& n, std::string_view e) override {
    events.push_back("failed " + std::string(n.name) + ": " + std::string(e));
  }
  void node_skipped(const mp::node_info& n, std::string_view why) override {
    events.push_back("skipped " + std::string(n.name) + ": " + std::string(why));
  }
  void run_finished(bool ok) override { events.push_back(ok ? "done ok" : "done failed"); }
};

fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mlpipe-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}
}  // namespace

TEST_CASE("run: sequential and parallel runs give the same outputs") {
  auto p = make_pipeline();
  auto seq = mp::run(p);
  REQUIRE(seq.ok());
  // sum of squares of 0..9, twice
  CHECK(seq.get<"total">().values == std::vector<long>{570});
  CHECK(seq.get<"after">().values == std::vector<long>{570 * 570});
  CHECK(seq.records("range").size() == 1);
  for (std::size_t threads : {2, 3, 8}) {
    auto par = mp::run(p, {.threads = threads});
    REQUIRE(par.ok());
    CHECK(par.get<"total">().values == seq.get<"total">().values);
    CHECK(par.get<"after">().values == seq.get<"after">().values);
    CHECK(par.nodes_in(mp::node_state::succeeded).size() == 6);
  }
}

TEST_CASE("run: a throwing node fails by name, its downstream is skipped, other branches finish") {
  auto p = make_pipeline();
  p.stage<"check">().fail = true;
  for (std::size_t threads : {1, 2}) {
    auto r = mp::run(p, {.threads = threads});
    CHECK_FALSE(r.ok());
    CHECK(r.state("check") == mp::node_state::failed);
    CHECK(r.error("check") == "column 'x' has 3 NaNs");
    CHECK(r.state("after") == mp::node_state::skipped);
    CHECK(r.error("after") == "input 'check' failed");
    CHECK(r.state("total") == mp::node_state::succeeded);
    CHECK(r.nodes_in(mp::node_state::failed) == std::vector<std::string_view>{"check"});
    CHECK(r.summary().find("check: failed (column 'x' has 3 NaNs)") != std::string::npos);
    CHECK_THROWS_WITH(r.get<"after">(), "mlpipe: node 'after' has no output (skipped)");
    CHECK_THROWS_AS(r.state("nope"), std::out_of_range);
  }
}

TEST_CASE("run: a wide DAG in parallel runs every node exactly once") {
  auto p = make_pipeline();
  for (int i = 0; i < 50; ++i) {
    calls = 0;
    auto r = mp::run(p, {.threads = 2});
    REQUIRE(r.ok());
    CHECK(calls == 5);  // range, sq, sq2, total, after (the check stage does not count)
  }
}

TEST_CASE("observer: sees every node in order, with inputs, outputs saved atomically, and records") {
  auto p = make_pipeline();
  p.stage<"check">().fail = true;
  recording_observer obs;
  obs.root = temp_dir("observer");
  auto r = mp::run(p, {.observer = &obs});
  CHECK_FALSE(r.ok());
  REQUIRE(obs.events.size() >= 10);
  CHECK(obs.events.front() == "run numbers 6");
  CHECK(obs.events[1] == "start range []");
  CHECK(obs.events[2] == "ok range 1 rows=10");
  CHECK(obs.events[7] == "start total [sq:Numbers sq2:Numbers ]");
  CHECK(obs.events[10] == "failed check: column 'x' has 3 NaNs");
  CHECK(obs.events[11] == "skipped after: input 'check' failed");
  CHECK(obs.events.back() == "done failed");
  auto outs = r.outputs("total");
  REQUIRE(outs.size() == 1);
  CHECK(outs[0].key == "Numbers");
  CHECK(fs::exists(outs[0].uri / "values.txt"));
  CHECK(numbers::load(outs[0].uri).values == std::vector<long>{570});
  // no temporary directories are left behind
  for (auto& e : fs::recursive_directory_iterator(obs.root))
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  fs::remove_all(obs.root);
}

TEST_CASE("observer cache: an unchanged node is loaded, a changed parameter re-runs exactly its downstream") {
  auto p = make_pipeline();
  recording_observer obs;
  obs.root = temp_dir("cache");
  calls = 0;
  REQUIRE(mp::run(p, {.observer = &obs}).ok());
  CHECK(calls == 5);
  auto key = obs.last_key_total;
  CHECK(key != 0);

  calls = 0;
  obs.events.clear();
  auto second = mp::run(p, {.observer = &obs});
  REQUIRE(second.ok());
  CHECK(calls == 0);
  CHECK(second.state("total") == mp::node_state::cached);
  CHECK(second.get<"total">().values == std::vector<long>{570});

  outside_data = 2;  // new data behind an unchanged reader: everything runs again
  calls = 0;
  REQUIRE(mp::run(p, {.observer = &obs}).ok());
  CHECK(calls == 5);
  outside_data = 1;

  p.stage<"range">().n = 3;  // a new parameter: range and everything downstream runs again
  calls = 0;
  auto third = mp::run(p, {.observer = &obs});
  REQUIRE(third.ok());
  CHECK(calls == 5);
  CHECK(third.get<"total">().values == std::vector<long>{10});
  CHECK(obs.last_key_total != key);
  fs::remove_all(obs.root);
}

TEST_CASE("run_node: one node by name, each input port read from a directory, each output put where asked") {
  auto p = make_pipeline();
  auto dir = temp_dir("run-node");
  // what a whole run writes: the artifacts of sq and sq2, each in its own folder
  recording_observer obs;
  obs.root = dir / "whole";
  auto whole = mp::run(p, {.observer = &obs});
  REQUIRE(whole.ok());
  auto sq_dir = whole.outputs("sq")[0].uri, sq2_dir = whole.outputs("sq2")[0].uri;
  REQUIRE(fs::exists(sq_dir / ".mlpipe-artifact-type"));

  numbers a{{1, 2}}, b{{3}};
  a.save((fs::create_directories(dir / "a"), dir / "a"));
  b.save((fs::create_directories(dir / "b"), dir / "b"));
  auto r = mp::run_node(p, "total", {.inputs = {{"sq", dir / "a"}, {"sq2", dir / "b"}}, .outputs = {{"Numbers", dir / "out"}}});
  REQUIRE(r.state == mp::node_state::succeeded);
  REQUIRE(r.outputs.size() == 1);
  CHECK(r.outputs[0].uri == dir / "out");
  CHECK(numbers::load(dir / "out").values == std::vector<long>{6});
  CHECK(mp::detail::saved_artifact_type(dir / "out") == "Numbers");
  // the next node reads it by its port, and may be re-run over the same output directory
  for (int i = 0; i < 2; ++i) {
    auto next = mp::run_node(p, "check", {.inputs = {{"total", dir / "out"}}, .outputs = {{"Numbers", dir / "checked"}}});
    CHECK(next.state == mp::node_state::succeeded);
  }
  // with an observer (a store), the node is recorded with the same cache key a whole run gives
  recording_observer rec;
  rec.root = dir / "rec";
  auto whole_key = obs.last_key_total;
  auto rr = mp::run_node(p, "total", {.inputs = {{"sq", sq_dir}, {"sq2", sq2_dir}}, .outputs = {}}, {.observer = &rec});
  REQUIRE(rr.state == mp::node_state::succeeded);
  CHECK(rec.last_key_total == whole_key);
  CHECK(fs::exists(rr.outputs[0].uri / "values.txt"));

  auto usage = [&](const mp::node_paths& paths, std::string_view node = "total") {
    auto res = mp::run_node(p, node, paths);
    CHECK(res.state == mp::node_state::failed);
    CHECK(res.usage_error);
    return res.error;
  };
  CHECK(usage({.inputs = {{"sq", dir / "a"}}, .outputs = {{"Numbers", dir / "o2"}}}) ==
        "node 'total': input port 'sq2': no --input sq2=DIR given (the directory of the Numbers artifact node 'sq2' wrote)");
  CHECK(usage({.inputs = {{"sq", dir / "a"}, {"sq3", dir / "b"}}, .outputs = {}}) ==
        "node 'total': no input port 'sq3' (its input ports: sq, sq2)");
  CHECK(usage({.inputs = {{"sq", dir / "a"}, {"sq2", dir / "nope"}}, .outputs = {{"Numbers", dir / "o2"}}}) ==
        "node 'total': input port 'sq2': '" + (dir / "nope").string() +
            "' does not exist (expected the Numbers artifact node 'sq2' wrote)");
  CHECK(usage({.inputs = {{"sq", dir / "a"}, {"sq2", dir / "b"}}, .outputs = {}}) ==
        "node 'total': nothing would keep its output: give --output KEY=DIR for each output (missing: Numbers), "
        "or record the run in a metadata store");
  CHECK(usage({.inputs = {{"sq", dir / "a"}, {"sq2", dir / "b"}}, .outputs = {{"Model", dir / "o2"}}}) ==
        "node 'total': no output 'Model' (its outputs: Numbers)");
  CHECK(usage({.inputs = {}, .outputs = {{"Numbers", dir}}}, "range").find("it exists and is no earlier artifact") !=
        std::string::npos);
  fs::create_directories(dir / "wrong");
  std::ofstream(dir / "wrong" / ".mlpipe-artifact-type") << "Schema\n";
  CHECK(usage({.inputs = {{"sq", dir / "a"}, {"sq2", dir / "wrong"}}, .outputs = {{"Numbers", dir / "o2"}}}) ==
        "node 'total': input port 'sq2': '" + (dir / "wrong").string() + "' holds a Schema artifact, expected a Numbers");
  auto unknown = mp::run_node(p, "totl", {});
  CHECK(unknown.usage_error);
  CHECK(unknown.error == "the pipeline has no node 'totl' (its nodes: range, sq, sq2, total, check, after)");
  fs::remove_all(dir);
}

TEST_CASE("main --run-node: usage errors exit 2 with a message, a failed node 1") {
  auto p = make_pipeline();
  auto dir = temp_dir("run-node-main");
  auto call = [&](std::vector<std::string> args) {
    std::vector<const char*> argv{"prog", "-q"};
    for (auto& a : args) argv.push_back(a.c_str());
    return mp::main(p, static_cast<int>(argv.size()), argv.data());
  };
  CHECK(call({"--run-node", "range", "--output", (dir / "range").string()}) == 0);
  CHECK(fs::exists(dir / "range" / "Numbers" / "values.txt"));
  CHECK(call({"--run-node", "sq", "--input", "range=" + (dir / "range" / "Numbers").string(), "--output",
              "Numbers=" + (dir / "sq").string()}) == 0);
  CHECK(call({"--run-node", "sq", "--input", (dir / "range").string()}) == 2);       // no port named
  CHECK(call({"--input", "range=" + (dir / "range").string()}) == 2);                  // no --run-node
  CHECK(call({"--run-node", "sqq", "--output", (dir / "x").string()}) == 2);           // unknown node
  CHECK(call({"--run-node", "sq", "--input", "range=" + (dir / "range").string(), "--output",
              "Numbers=" + (dir / "sq2").string()}) == 2);  // the folder above the artifact's
  CHECK(call({"--run-node", "check", "--set", "check.fail=true", "--input", "total=" + (dir / "sq").string(),
              "--output", "Numbers=" + (dir / "c").string()}) == 1);
  fs::remove_all(dir);
}

TEST_CASE("main: the command line lists, draws, overrides parameters and reports errors with exit codes") {
  auto p = make_pipeline();
  auto call = [&](std::vector<const char*> args) {
    args.insert(args.begin(), "prog");
    return mp::main(p, static_cast<int>(args.size()), args.data());
  };
  CHECK(call({"--list"}) == 0);
  CHECK(call({"--dot"}) == 0);
  CHECK(call({"-q"}) == 0);
  CHECK(call({"run", "-q", "--threads", "2"}) == 0);
  CHECK(call({"-q", "--set", "range.n=4"}) == 0);
  CHECK(p.stage<"range">().n == 4);
  CHECK(call({"-q", "--set", "check.fail=true"}) == 1);  // a node failed
  CHECK(call({"-q", "--set", "check.fail=false"}) == 0);
  CHECK(call({"--set", "range.n=four"}) == 2);            // bad value
  CHECK(call({"--set", "rang.n=4"}) == 2);                // unknown node
  CHECK(call({"--set", "range.m=4"}) == 2);               // unknown parameter
  CHECK(call({"--set", "range"}) == 2);                   // malformed
  CHECK(call({"--threads", "0"}) == 2);
  CHECK(call({"--bogus"}) == 2);
  CHECK(p.stage<"range">().n == 4);
  CHECK_THROWS_WITH_AS(mp::apply_override(p, "range.n=1.5"),
                       "--set range.n=1.5: node 'range' parameter 'n' expects an integer, got a number 1.5",
                       mp::parameter_error);
}

namespace {
/// What an orchestrator or a store adds to main: an option, the run's id and observer, a mode that runs twice,
/// a note under the report and a field in the JSON summary.
struct test_extension : mp::main_extension {
  std::string tag = "none";
  bool twice = false;
  int before = 0, after = 0;
  recording_observer observer;
  void add_options(CLI::App& app) override {
    app.add_option("--tag", tag, "A tag");
    app.add_flag("--twice", twice, "Run twice");
  }
  void configure(mp::main_context& m) override {
    if (tag == "bad") throw mp::usage_error("--tag: 'bad' is not a tag");
    m.options.run_id = "run-" + tag;
    m.options.observer = &observer;
  }
  std::optional<int> mode(mp::main_context& m) override {
    if (!twice) return std::nullopt;
    int a = m.run();
    return std::max(a, m.run());
  }
  void before_run(mp::main_context&) override { ++before; }
  void after_run(mp::main_context&, mp::run_report& r) override {
    ++after;
    r.notes.emplace_back("tag", tag);
  }
  void add_to_summary(const mp::run_report&, nlohmann::json& j) override { j["tag"] = tag; }
};

/// Runs f with std::cout captured.
template <class F>
std::string captured(F f) {
  std::ostringstream out;
  auto* old = std::cout.rdbuf(out.rdbuf());
  try {
    f();
  } catch (...) {
    std::cout.rdbuf(old);
    throw;
  }
  std::cout.rdbuf(old);
  return out.str();
}
}  // namespace

TEST_CASE("run_main: gives the run's result with its durations, and --list runs nothing") {
  auto p = make_pipeline();
  const char* args[] = {"prog", "-q"};
  auto m = mp::run_main(p, 2, args);
  REQUIRE(m.exit_code == 0);
  REQUIRE(m.run);
  CHECK(m.run->get<"total">().values == std::vector<long>{570});  // 2 * (0 + 1 + 4 + ... + 81)
  CHECK(m.run->seconds("range") > 0);
  const char* list[] = {"prog", "--list"};
  auto l = mp::run_main(p, 2, list);
  CHECK(l.exit_code == 0);
  CHECK(!l.run);
}

TEST_CASE("main: --json prints per node its state, duration and figures; extensions add options, modes, notes") {
  auto p = make_pipeline();
  test_extension ext;
  ext.observer.root = temp_dir("main-ext");
  mp::main_options o{.run = {}, .extensions = {&ext}, .parameter_options = {{"--count", "range.n", "How many"}},
                     .description = {}};
  auto call = [&](std::vector<const char*> args, int& code) {
    args.insert(args.begin(), "prog");
    return captured([&] { code = mp::main(p, static_cast<int>(args.size()), args.data(), o); });
  };
  int code = -1;
  auto j = nlohmann::json::parse(call({"--json", "--tag", "x", "--count", "4"}, code));
  CHECK(code == 0);
  CHECK(j["ok"] == true);
  CHECK(j["run"] == "run-x");   // the extension's run id
  CHECK(j["tag"] == "x");       // its summary field
  CHECK(j["notes"]["tag"] == "x");
  REQUIRE(j["nodes"].size() == 6);
  CHECK(j["nodes"][0]["node"] == "range");
  CHECK(j["nodes"][0]["state"] == "succeeded");
  CHECK(j["nodes"][0]["records"]["rows"] == 4);  // --count set range.n
  CHECK(j["nodes"][0]["seconds"].get<double>() > 0);
  CHECK(ext.observer.events.front() == "run numbers 6");  // the extension's observer saw the run
  CHECK(ext.before == 1);
  CHECK(ext.after == 1);

  // --set wins over a parameter option; the mode runs twice, the second time every node from the cache
  auto twice = call({"--json", "--twice", "--count", "4", "--set", "range.n=3"}, code);
  CHECK(code == 0);
  CHECK(ext.before == 3);
  auto second = nlohmann::json::parse(twice.substr(twice.find("\n}\n{") + 3));
  CHECK(second["nodes"][0]["state"] == "cached");
  CHECK(second["nodes"][0]["records"]["rows"] == 3);  // a cached node reports its execution's figures

  CHECK(call({"--tag", "bad"}, code).empty());
  CHECK(code == 2);  // the extension's usage error
  call({"--count", "many"}, code);
  CHECK(code == 2);
  fs::remove_all(ext.observer.root);
}

namespace {
/// Two branch nodes that each wait (up to 5 s) until the other has started: they finish quickly only when
/// the run really executes them at the same time.
std::atomic<int> arrived{0};
struct rendezvous {
  int operator()(const numbers&) const {
    arrived.fetch_add(1);
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (arrived.load() < 2 && std::chrono::steady_clock::now() < until) std::this_thread::yield();
    return arrived.load();
  }
};
struct both {
  int operator()(const int& a, const int& b) const { return a + b; }
};
}  // namespace

TEST_CASE("run: with 2 threads, independent branches execute at the same time") {
  auto p = mp::pipeline(mp::node<"range">(range{}), mp::node<"left">(rendezvous{}) << mp::from<"range">,
                        mp::node<"right">(rendezvous{}) << mp::from<"range">,
                        mp::node<"both">(both{}) << mp::from<"left", "right">);
  arrived = 0;
  auto r = mp::run(p, {.threads = 2});
  REQUIRE(r.ok());
  CHECK(r.get<"both">() == 4);  // each saw the other arrive
}
