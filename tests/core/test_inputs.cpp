// Named and optional input ports: the names a stage declares (or the defaults), known at compile time per node;
// an optional input filled when wired, empty when not, filled from the store through the observer; run_node and
// the command line take inputs by port name.
#include <doctest/doctest.h>

#include <mlpipe/core.hpp>

#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <string>
#include <unistd.h>
#include <vector>

namespace mp = mlpipe;
namespace fs = std::filesystem;

namespace {
/// An artifact: a list of numbers saved as text.
struct series {
  static constexpr std::string_view type_name = "Series";
  std::vector<long> values;
  void save(const fs::path& dir) const {
    std::ofstream f(dir / "values.txt");
    for (auto v : values) f << v << '\n';
  }
  static series load(const fs::path& dir) {
    std::ifstream f(dir / "values.txt");
    if (!f) throw std::runtime_error("no values.txt in " + dir.string());
    series s;
    for (long v; f >> v;) s.values.push_back(v);
    return s;
  }
  std::uint64_t fingerprint() const {
    mp::hasher h;
    for (auto v : values) h.update_value(v);
    return h.digest();
  }
};

long sum(const series& s) {
  long r = 0;
  for (auto v : s.values) r += v;
  return r;
}

struct source {
  long n = 4;
  MLPIPE_PARAMETERS(n);
  static constexpr std::string_view name = "source";
  series operator()() const {
    series s;
    for (long i = 1; i <= n; ++i) s.values.push_back(i);
    return s;
  }
};
/// Sums its examples, minus the baseline's sum when there is one (as `evaluate` compares with a baseline).
struct compare {
  MLPIPE_INPUTS(examples, baseline);
  static constexpr std::string_view name = "compare";
  series operator()(const series& examples, mp::optional_input<series> baseline, mp::context& ctx) const {
    ctx.record("had_baseline", baseline.has_value());
    return series{{sum(examples) - (baseline ? sum(*baseline) : 0)}};
  }
};
/// An optional input between two required ones, and a plain (non-artifact) optional value.
struct blend {
  MLPIPE_INPUTS(left, weight, right);
  long operator()(const series& left, mp::optional_input<int> weight, const series& right) const {
    return sum(left) * (weight ? *weight : 1) + sum(right);
  }
};
struct three {
  int operator()() const { return 3; }
};
/// A type-erased view of a series that takes any series (as any_model takes a model): a converting input.
struct any_total {
  using mlpipe_accepts_convertible = void;
  long total = 0;
  any_total(const series& s) : total(sum(s)) {}  // NOLINT: converts implicitly, on purpose
};
/// An optional input that converts its producer's output, as `evaluate`'s baseline converts a `model` into
/// `any_model`: the converted value lives through the call.
struct scaled {
  MLPIPE_INPUTS(values, baseline);
  long operator()(const series& values, mp::optional_input<any_total> baseline) const {
    return sum(values) - (baseline ? baseline->total : 100);
  }
};
struct pair_sum {  // declares no names: its ports are named after their producers
  long operator()(const series& a, const series& b) const { return sum(a) + sum(b); }
};

auto make_pipeline() {
  return mp::pipeline("ports", mp::node<"source">(source{}), mp::node<"other">(source{.n = 2}),
                      mp::node<"three">(three{}),
                      mp::node<"alone">(compare{}) << mp::from<"source">,  // trailing optional left out
                      mp::node<"against">(compare{}) << mp::from<"source", "other">,
                      mp::node<"blend">(blend{}) << mp::from<"source", mp::none, "other">,
                      mp::node<"weighted">(blend{}) << mp::from<"source", "three", "other">,
                      mp::node<"scaled">(scaled{}) << mp::from<"source", "other">,
                      mp::node<"halved">(scaled{}) << mp::from<"source">,
                      mp::node<"pair">(pair_sum{}) << mp::from<"source", "other">,
                      mp::node<"self">(pair_sum{}) << mp::from<"source", "source">);
}
using P = decltype(make_pipeline());

// The ports are known at compile time, per node: name, producer or none, optional or not, type.
constexpr std::size_t at(std::string_view node) { return *P::find(node); }
static_assert(P::inputs(at("source")).empty());
static_assert(P::inputs(at("alone")).size() == 2);
static_assert(P::inputs(at("alone"))[0].name == "examples" && P::inputs(at("alone"))[0].producer_name == "source");
static_assert(!P::inputs(at("alone"))[0].optional && P::inputs(at("alone"))[0].type == "Series");
static_assert(P::inputs(at("alone"))[1].name == "baseline" && P::inputs(at("alone"))[1].optional);
static_assert(!P::inputs(at("alone"))[1].wired() && P::inputs(at("alone"))[1].producer_name.empty());
static_assert(P::inputs(at("against"))[1].producer == at("other"));
static_assert(P::inputs(at("blend"))[1].name == "weight" && !P::inputs(at("blend"))[1].wired());
static_assert(P::inputs(at("blend"))[2].name == "right" && P::inputs(at("blend"))[2].producer_name == "other");
static_assert(P::inputs(at("weighted"))[1].producer_name == "three" && P::inputs(at("weighted"))[1].type == "int");
// Without MLPIPE_INPUTS: the producer's name, or inputK when one producer feeds several inputs.
static_assert(P::inputs(at("pair"))[0].name == "source" && P::inputs(at("pair"))[1].name == "other");
static_assert(P::inputs(at("self"))[0].name == "input0" && P::inputs(at("self"))[1].name == "input1");

fs::path temp_dir(const std::string& name) {
  auto d = fs::temp_directory_path() / ("mlpipe-test-" + name + "-" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d;
}

/// Resolves every unwired optional input it is asked for to one directory, and notes what it was asked and what
/// the run recorded as inputs.
struct resolving_observer : mp::run_observer {
  fs::path baseline_dir;  // empty: resolve nothing (a first run)
  std::vector<std::string> asked;
  std::map<std::string, std::vector<std::string>> inputs;  // node -> "port<-key:fingerprint"
  std::map<std::string, std::uint64_t> keys;
  std::optional<mp::artifact_ref> resolve_input(const mp::node_info& node, std::string_view port,
                                                std::string_view type) override {
    asked.push_back(std::string(node.name) + "." + std::string(port) + ":" + std::string(type));
    if (baseline_dir.empty()) return std::nullopt;
    mp::artifact_ref ref;
    ref.uri = baseline_dir;
    return ref;
  }
  fs::path node_started(const mp::node_info& n, std::span<const mp::artifact_ref> in) override {
    auto& v = inputs[std::string(n.name)];
    for (auto& i : in) v.push_back(i.port + "<-" + i.key + ":" + i.type_name);
    keys[std::string(n.name)] = n.cache_key;
    return {};
  }
};
}  // namespace

TEST_CASE("optional inputs: filled when wired, empty when not, the same in sequential and parallel runs") {
  for (std::size_t threads : {1, 2}) {
    auto p = make_pipeline();
    auto r = mp::run(p, {.threads = threads});
    REQUIRE(r.ok());
    CHECK(r.get<"alone">().values == std::vector<long>{10});       // 1+2+3+4, no baseline
    CHECK(r.get<"against">().values == std::vector<long>{10 - 3});  // minus the baseline 1+2
    CHECK(r.get<"blend">() == 10 + 3);                              // weight empty: 1
    CHECK(r.get<"weighted">() == 3 * 10 + 3);
    CHECK(r.get<"scaled">() == 10 - 3);  // the series 1, 2 converted to the optional any_total
    CHECK(r.get<"halved">() == 10 - 100);
    CHECK(r.get<"pair">() == 13);
    CHECK(r.get<"self">() == 20);
  }
}

TEST_CASE("optional inputs: the observer fills an unwired one from the store; it is recorded and keys the cache") {
  auto dir = temp_dir("resolve");
  series{{100}}.save(dir);
  auto p = make_pipeline();

  resolving_observer first;  // a first run: the store has nothing, the input stays empty
  auto r1 = mp::run(p, {.observer = &first});
  REQUIRE(r1.ok());
  CHECK(r1.get<"alone">().values == std::vector<long>{10});
  // Asked only for the unwired optional artifact input (not the wired one, not a plain int).
  CHECK(first.asked == std::vector<std::string>{"alone.baseline:Series"});
  CHECK(first.inputs["alone"] == std::vector<std::string>{"examples<-source:Series"});
  CHECK(first.inputs["against"] == std::vector<std::string>{"examples<-source:Series", "baseline<-other:Series"});

  resolving_observer later;
  later.baseline_dir = dir;
  auto r2 = mp::run(p, {.observer = &later});
  REQUIRE(r2.ok());
  CHECK(r2.get<"alone">().values == std::vector<long>{10 - 100});
  CHECK(std::get<std::int64_t>(r2.records("alone")[0].second) == 1);
  CHECK(later.inputs["alone"] == std::vector<std::string>{"examples<-source:Series", "baseline<-baseline:Series"});
  CHECK(later.keys["alone"] != first.keys["alone"]);      // the resolved baseline is part of the cache key
  CHECK(later.keys["against"] == first.keys["against"]);  // nothing resolved there

  resolving_observer broken;  // a resolved artifact that does not load fails the node, naming the port
  broken.baseline_dir = dir / "missing";
  auto r3 = mp::run(p, {.observer = &broken});
  CHECK(r3.state("alone") == mp::node_state::failed);
  CHECK(r3.error("alone").find("filling optional input 'baseline' from the store failed: no values.txt") == 0);
  CHECK(r3.state("against") == mp::node_state::succeeded);
  fs::remove_all(dir);
}

TEST_CASE("run_node: inputs by port name; an optional one given, resolved or left empty; errors name the port") {
  auto dir = temp_dir("ports-run-node");
  series{{1, 2, 3, 4}}.save((fs::create_directories(dir / "ex"), dir / "ex"));
  series{{4}}.save((fs::create_directories(dir / "base"), dir / "base"));
  auto p = make_pipeline();
  auto value = [](const mp::node_run_result& r) { return series::load(r.outputs.at(0).uri).values.at(0); };

  auto plain = mp::run_node(p, "alone", {.inputs = {{"examples", dir / "ex"}}, .outputs = {{"Series", dir / "o1"}}});
  REQUIRE(plain.state == mp::node_state::succeeded);
  CHECK(value(plain) == 10);
  auto given = mp::run_node(p, "alone", {.inputs = {{"examples", dir / "ex"}, {"baseline", dir / "base"}}, .outputs = {{"Series", dir / "o2"}}});
  REQUIRE(given.state == mp::node_state::succeeded);
  CHECK(value(given) == 6);
  resolving_observer store;
  store.baseline_dir = dir / "base";
  auto resolved = mp::run_node(p, "alone", {.inputs = {{"examples", dir / "ex"}}, .outputs = {{"Series", dir / "o3"}}}, {.observer = &store});
  REQUIRE(resolved.state == mp::node_state::succeeded);
  CHECK(value(resolved) == 6);

  auto missing = mp::run_node(p, "against", {.inputs = {{"examples", dir / "ex"}}, .outputs = {{"Series", dir / "o4"}}});
  CHECK(missing.error == "node 'against': input port 'baseline': no --input baseline=DIR given (the directory of the Series artifact node 'other' wrote)");
  auto unknown = mp::run_node(p, "alone", {.inputs = {{"example", dir / "ex"}}, .outputs = {{"Series", dir / "o5"}}});
  CHECK(unknown.error == "node 'alone': no input port 'example' (its input ports: examples, baseline)");
  auto not_loadable = mp::run_node(p, "weighted", {.inputs = {{"left", dir / "ex"}, {"right", dir / "ex"}}, .outputs = {{"Series", dir / "o6"}}});
  CHECK(not_loadable.error ==
        "node 'weighted': its output is not an artifact (no type_name, save, load, fingerprint), so it would be lost "
        "when the node runs alone: run the whole pipeline instead");
  fs::remove_all(dir);
}

TEST_CASE("main: --run-node takes --input PORT=DIR; --list shows each node's ports") {
  auto dir = temp_dir("ports-main");
  series{{5}}.save((fs::create_directories(dir / "ex"), dir / "ex"));
  auto p = make_pipeline();
  auto call = [&](std::vector<std::string> args) {
    std::vector<const char*> argv{"prog"};
    for (auto& a : args) argv.push_back(a.c_str());
    return mp::main(p, static_cast<int>(argv.size()), argv.data());
  };
  auto ex = "examples=" + (dir / "ex").string();
  CHECK(call({"-q", "--run-node", "alone", "--input", ex, "--output", (dir / "out").string()}) == 0);
  CHECK(series::load(dir / "out" / "Series").values == std::vector<long>{5});
  CHECK(call({"-q", "--run-node", "alone", "--input", "nope=" + dir.string()}) == 2);  // a usage error
  CHECK(call({"-q", "--run-node", "alone", "--input", "examples"}) == 2);

  const std::string list = mp::describe_nodes(p);
  CHECK(list.find("alone") != std::string::npos);
  CHECK(list.find("<- examples=source, baseline=none") != std::string::npos);
  CHECK(list.find("<- left=source, weight=none, right=other") != std::string::npos);
  CHECK(list.find("<- source, other") != std::string::npos);  // pair: ports named after their producers
  fs::remove_all(dir);
}
