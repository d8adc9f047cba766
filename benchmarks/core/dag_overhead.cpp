// dag_overhead: a chain of 64 trivial nodes run by mlpipe::run against the same 64 calls written by hand.
// The ratio BM_run_chain64 / BM_hand_chain64 is the executor's overhead (goal <= 1.05);
// BM_hand_chain64_kept is the hand-written chain that also keeps every intermediate result.
#include <benchmark/benchmark.h>

#include <mlpipe/core/run.hpp>

#include "chain.hpp"

namespace mp = mlpipe;

namespace {
struct step {  // one multiply-add: the smallest useful node
  double a = 1.0000001;
  double operator()(const double& x) const { return x * a + 1e-9; }
};
struct source {
  double start = 1.0;
  double operator()() const { return start; }
};

template <std::size_t... Is>
auto make_chain(std::index_sequence<Is...>) {
  return mp::pipeline(mp::node<bench::node_name<0>()>(source{}),
                      (mp::node<bench::node_name<Is + 1>()>(step{}) << mp::from<bench::node_name<Is>()>)...);
}

void BM_run_chain64(benchmark::State& state) {
  auto p = make_chain(std::make_index_sequence<63>{});
  double start = 1.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(start);
    p.stage<"n00">().start = start;
    auto r = mp::run(p);
    double out = r.get<"n63">();
    benchmark::DoNotOptimize(out);
  }
  state.counters["nodes"] = 64;
}
BENCHMARK(BM_run_chain64);

void BM_hand_chain64(benchmark::State& state) {
  source s;
  step st[63];
  double start = 1.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(start);
    s.start = start;
    double x = s();
    for (auto& f : st) x = f(x);  // the same 64 calls, unrolled by the compiler
    benchmark::DoNotOptimize(x);
  }
  state.counters["nodes"] = 64;
}
BENCHMARK(BM_hand_chain64);

// The same calls by hand, keeping every intermediate (as a run keeps every node's output for get<"name">()).
void BM_hand_chain64_kept(benchmark::State& state) {
  source s;
  step st[63];
  double start = 1.0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(start);
    double kept[64];
    s.start = start;
    kept[0] = s();
    for (int i = 0; i < 63; ++i) kept[i + 1] = st[i](kept[i]);
    benchmark::DoNotOptimize(kept);
  }
  state.counters["nodes"] = 64;
}
BENCHMARK(BM_hand_chain64_kept);
}  // namespace

BENCHMARK_MAIN();
