// The DSL: names, stage concept, wiring, compile-time checks that pass, parameter reflection, fingerprints.
#include <doctest/doctest.h>

#include <mlpipe/core.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace mp = mlpipe;

namespace {
struct load {
  int start = 1;
  std::string source = "memory";
  MLPIPE_PARAMETERS(start, source);
  static constexpr std::string_view name = "load";
  int operator()() const { return start; }
};
struct twice {
  int operator()(const int& x) const { return 2 * x; }
};
struct add {
  int operator()(const int& a, const int& b, mp::context&) const { return a + b; }
};
struct text {
  std::string operator()(int x) const { return std::to_string(x); }
};
struct split {
  struct parts {
    int number;
    std::string label;
    MLPIPE_OUTPUTS(number, label);
  };
  parts operator()(const int& x) const { return {x + 1, "n" + std::to_string(x)}; }
};
struct wants_label {
  std::size_t operator()(const std::string& s) const { return s.size(); }
};
struct wants_number {
  int operator()(const int& n) const { return n * 10; }
};
struct not_a_stage {};
struct mutates_input {
  int operator()(int& x) const { return x; }
};
}  // namespace

TEST_CASE("stage concept: call operator shape decides what is a stage") {
  static_assert(mp::stage<load> && mp::stage<twice> && mp::stage<add> && mp::stage<split>);
  static_assert(!mp::stage<not_a_stage>, "no call operator");
  static_assert(!mp::stage<mutates_input>, "a stage must not take a mutable reference to its producer's output");
  static_assert(mp::stage_traits<add>::arity == 2 && mp::stage_traits<add>::takes_context);
  static_assert(mp::stage_traits<text>::arity == 1 && !mp::stage_traits<text>::takes_context);
  static_assert(std::is_same_v<mp::stage_traits<text>::input<0>, int>);
  static_assert(std::is_same_v<mp::stage_traits<text>::output, std::string>);
  CHECK(mp::stage_name<load>() == "load");
  CHECK(mp::stage_name<twice>().find("twice") != std::string_view::npos);
  CHECK(mp::stage_version<load>() == 0);
}

TEST_CASE("pipeline: topological order is fixed at compile time, declaration order breaks ties") {
  auto p = mp::pipeline("demo", mp::node<"sum">(add{}) << mp::from<"a", "b">, mp::node<"a">(twice{}) << mp::from<"load">,
                        mp::node<"load">(load{}), mp::node<"b">(twice{}) << mp::from<"load">);
  using P = decltype(p);
  static_assert(P::size == 4);
  static_assert(P::topological_names()[0] == "load");
  static_assert(P::topological_names()[3] == "sum");
  static_assert(P::find("b").value() == 3 && !P::find("zzz").has_value());
  constexpr auto order = P::topological_names();
  CHECK(std::vector<std::string_view>(order.begin(), order.end()) ==
        std::vector<std::string_view>{"load", "a", "b", "sum"});
  CHECK(p.name() == "demo");
}

TEST_CASE("pipeline: copies and moves keep each node's stage (a copy is independent of its original)") {
  auto p = mp::pipeline("demo", mp::node<"load">(load{.start = 3}), mp::node<"a">(twice{}) << mp::from<"load">);
  auto q = p;  // a non-const pipeline copied: the copy constructor, not the elements' constructor
  q.stage<"load">().start = 5;
  CHECK(mp::run(p).get<"a">() == 6);
  CHECK(mp::run(q).get<"a">() == 10);
  auto moved = std::move(q);
  CHECK(moved.stage<"load">().start == 5);
  CHECK(moved.stage<"load">().source == "memory");
  const auto& cp = p;
  auto r = cp;
  CHECK(mp::run(r).get<"a">() == 6);
}

TEST_CASE("several outputs: each consumer receives the member of its input type") {
  auto p = mp::pipeline(mp::node<"load">(load{.start = 4}), mp::node<"split">(split{}) << mp::from<"load">,
                        mp::node<"len">(wants_label{}) << mp::from<"split">,
                        mp::node<"num">(wants_number{}) << mp::from<"split">);
  auto r = mp::run(p);
  REQUIRE(r.ok());
  CHECK(r.get<"len">() == 2);   // "n4"
  CHECK(r.get<"num">() == 50);  // (4 + 1) * 10
}

TEST_CASE("parameters: reflected by name, in declaration order, to JSON") {
  load s{.start = 7};
  std::vector<std::string> names;
  mp::for_each_parameter(s, [&](std::string_view n, auto&) { names.emplace_back(n); });
  CHECK(names == std::vector<std::string>{"start", "source"});
  CHECK(mp::parameters_to_json(s) == nlohmann::json{{"start", 7}, {"source", "memory"}});
  CHECK(mp::parameters_to_json(twice{}).empty());
}

TEST_CASE("parameters: set from text with type checks and clear errors") {
  load s;
  mp::set_parameter_from_text(s, "start", "42");
  mp::set_parameter_from_text(s, "source", "data/*.csv");  // not JSON: taken as text
  CHECK(s.start == 42);
  CHECK(s.source == "data/*.csv");
  CHECK_THROWS_WITH_AS(mp::set_parameter_from_text(s, "start", "4.5", "node 'load'"),
                       "node 'load' parameter 'start' expects an integer, got a number 4.5", mp::parameter_error);
  CHECK_THROWS_WITH_AS(mp::set_parameter_from_text(s, "begin", "1", "node 'load'"),
                       "node 'load' has no parameter 'begin' (it has: start, source)", mp::parameter_error);
  CHECK_THROWS_AS(mp::set_parameter_from_text(s, "source", "3"), mp::parameter_error);  // a number is not text
  CHECK(s.start == 42);
}

TEST_CASE("fingerprint: stable across runs, compilers and machines; sensitive to every parameter") {
  load a, b;
  CHECK(mp::parameters_fingerprint(a) == mp::parameters_fingerprint(b));
  b.start = 2;
  CHECK(mp::parameters_fingerprint(a) != mp::parameters_fingerprint(b));
  b = a;
  b.source = "disk";
  CHECK(mp::parameters_fingerprint(a) != mp::parameters_fingerprint(b));
  // Golden values: the hash is defined on bytes alone, so these never change unless the algorithm does
  // (which would invalidate every cache, so it must be deliberate).
  CHECK(mp::fingerprint_hex(mp::parameters_fingerprint(a)) == "2445e9a2899372a8");
  CHECK(mp::fingerprint_hex(mp::fingerprint_bytes("", 0)) == "ef46db3751d8e999");
  std::string big(1000, 'x');
  // Split updates give the same digest as one update.
  mp::hasher h;
  h.update(big.data(), 333);
  h.update(big.data() + 333, 667);
  CHECK(h.digest() == mp::fingerprint_bytes(big.data(), big.size()));
  CHECK(mp::fingerprint_hex(h.digest()) == "924a46894059429e");
}

namespace {
enum class shade { light = 2, dark = 7 };
struct nested_parameters {
  double x = 0.1;
  std::vector<int> v{1, -2};
  MLPIPE_PARAMETERS(x, v);
};
struct every_kind {  // one parameter of each kind a stage may declare
  float f = 1.5f;
  double d = 1e-300;
  int i = -3;
  unsigned u = 4000000000u;
  bool b = true;
  std::string s = "h\"i";
  std::filesystem::path p = "a/b";
  shade c = shade::dark;
  std::vector<std::string> vs{"a", "b"};
  nested_parameters in;
  std::int64_t big = -9000000000000;
  std::uint64_t ubig = 18000000000000000000ull;
  MLPIPE_PARAMETERS(f, d, i, u, b, s, p, c, vs, in, big, ubig);
};
}  // namespace

TEST_CASE("parameters of every kind: their JSON text and fingerprint (the cache key) do not change") {
  // Golden values: a change here re-runs every cached node of every user, so it must be deliberate.
  every_kind s;
  CHECK(mp::parameters_to_json(s).dump() ==
        R"({"b":true,"big":-9000000000000,"c":7,"d":1e-300,"f":1.5,"i":-3,"in":{"v":[1,-2],"x":0.1},"p":"a/b",)"
        R"("s":"h\"i","u":4000000000,"ubig":18000000000000000000,"vs":["a","b"]})");
  CHECK(mp::fingerprint_hex(mp::parameters_fingerprint(s)) == "265449bb05101c2b");
  mp::set_parameter_from_text(s, "in", R"({"x": 2, "v": [3]})");
  mp::set_parameter_from_text(s, "u", "5");
  mp::set_parameter_from_text(s, "c", "2");
  mp::set_parameter_from_text(s, "f", "3");
  CHECK(s.in.x == 2.0);
  CHECK(s.in.v == std::vector<int>{3});
  CHECK(s.u == 5u);
  CHECK(s.c == shade::light);
  CHECK(s.f == 3.0f);
  CHECK_THROWS_WITH(mp::set_parameter_from_text(s, "u", "-1", "node 'x'"),
                    "node 'x' parameter 'u' expects a non-negative integer, got an integer -1");
  CHECK_THROWS_WITH(mp::set_parameter_from_text(s, "b", "1", "node 'x'"),
                    "node 'x' parameter 'b' expects a boolean (true or false), got an integer 1");
  CHECK_THROWS_WITH(mp::set_parameter_from_text(s, "vs", "[1]", "node 'x'"),
                    "node 'x' parameter 'vs'[0] expects a string, got an integer 1");
  CHECK_THROWS_WITH(mp::set_parameter_from_text(s, "in", R"({"y": 1})", "node 'x'"),
                    "node 'x' parameter 'in' has no parameter 'y'");
  CHECK_THROWS_WITH(mp::set_parameter_from_text(s, "i", "3000000000", "node 'x'"),
                    "node 'x' parameter 'i' expects an integer, got an integer 3000000000");
}

TEST_CASE("fuse: block ops compose with | into one flat pass") {
  struct add_k : mp::block_op_base {
    double k;
    void operator()(std::vector<double>& b) const {
      for (auto& x : b) x += k;
    }
  };
  struct scale : mp::block_op_base {
    double k;
    void operator()(std::vector<double>& b) const {
      for (auto& x : b) x *= k;
    }
  };
  auto f = add_k{{}, 1} | scale{{}, 2} | add_k{{}, -3};
  static_assert(decltype(f)::size == 3, "a | b | c is flat");
  std::vector<double> v{1, 2, 3};
  f(v);
  CHECK(v == std::vector<double>{1, 3, 5});
  std::vector<std::pair<std::size_t, std::size_t>> blocks;
  mp::for_each_block(10, 4, [&](std::size_t b, std::size_t e) { blocks.emplace_back(b, e); });
  CHECK(blocks == std::vector<std::pair<std::size_t, std::size_t>>{{0, 4}, {4, 8}, {8, 10}});
  CHECK(mp::l2_block_rows(128) == 4096);
}

TEST_CASE("drawing: DOT and Mermaid name every node and edge") {
  auto p = mp::pipeline("g\"q", mp::node<"load">(load{}), mp::node<"a">(twice{}) << mp::from<"load">);
  auto dot = mp::to_dot(p);
  CHECK(dot ==
        "digraph \"g\\\"q\" {\n  rankdir=LR;\n  node [shape=box, style=rounded];\n"
        "  \"load\" [label=\"load\\nload\"];\n  \"a\" [label=\"a\\n" +
            std::string(mp::stage_name<twice>()) + "\"];\n  \"load\" -> \"a\";\n}\n");
  auto mm = mp::to_mermaid(p);
  CHECK(mm.find("n0 --> n1") != std::string::npos);
  CHECK(mm.find("flowchart LR") == 0);
}
