// parallel_overhead: a 64-node DAG of 16 chained diamonds (a -> b, c -> d -> next a) with a little work per
// node, run by mlpipe::run(p, {.threads = 2}) and by TBB's flow_graph on the same work with 2 threads.
// Goal: mlpipe no slower than TBB. BM_sequential shows what 1 thread takes for reference.
#include <benchmark/benchmark.h>

#include <oneapi/tbb/flow_graph.h>
#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/task_arena.h>

#include <array>
#include <cmath>
#include <tuple>

#include <mlpipe/core/run.hpp>

#include "chain.hpp"

namespace mp = mlpipe;

namespace {
int work_iterations = 400;  // about 2-5 microseconds of arithmetic per node

double work(double x) {
  for (int i = 0; i < work_iterations; ++i) x = std::sin(x) + 0.5;
  return x;
}

struct first {
  double operator()() const { return work(0.25); }
};
struct unary {
  double operator()(const double& x) const { return work(x); }
};
struct binary {
  double operator()(const double& x, const double& y) const { return work(0.5 * (x + y)); }
};

template <std::size_t K>
auto diamond() {
  constexpr std::size_t a = 4 * K, b = a + 1, c = a + 2, d = a + 3;
  auto head = [] {
    if constexpr (K == 0)
      return mp::node<bench::node_name<a>()>(first{});
    else
      return mp::node<bench::node_name<a>()>(unary{}) << mp::from<bench::node_name<a - 1>()>;
  }();
  return std::tuple{head, mp::node<bench::node_name<b>()>(unary{}) << mp::from<bench::node_name<a>()>,
                    mp::node<bench::node_name<c>()>(unary{}) << mp::from<bench::node_name<a>()>,
                    mp::node<bench::node_name<d>()>(binary{}) << mp::from<bench::node_name<b>(), bench::node_name<c>()>};
}

template <std::size_t... Ks>
auto make_diamonds(std::index_sequence<Ks...>) {
  return std::apply([](auto... n) { return mp::pipeline(n...); }, std::tuple_cat(diamond<Ks>()...));
}

void BM_mlpipe_threads2(benchmark::State& state) {
  auto p = make_diamonds(std::make_index_sequence<16>{});
  for (auto _ : state) {
    auto r = mp::run(p, {.threads = 2});
    benchmark::DoNotOptimize(r.get<"n63">());
  }
}
BENCHMARK(BM_mlpipe_threads2)->UseRealTime();

void BM_sequential(benchmark::State& state) {
  auto p = make_diamonds(std::make_index_sequence<16>{});
  for (auto _ : state) {
    auto r = mp::run(p);
    benchmark::DoNotOptimize(r.get<"n63">());
  }
}
BENCHMARK(BM_sequential)->UseRealTime();

void BM_tbb_flow_graph_threads2(benchmark::State& state) {
  using namespace oneapi::tbb;
  task_arena arena(2);
  arena.execute([&] {
    flow::graph g;
    std::array<double, 64> value{};
    using cn = flow::continue_node<flow::continue_msg>;
    std::vector<std::unique_ptr<cn>> nodes;
    for (std::size_t k = 0; k < 16; ++k) {
      std::size_t a = 4 * k, b = a + 1, c = a + 2, d = a + 3;
      nodes.push_back(std::make_unique<cn>(g, [&, a](flow::continue_msg) {
        value[a] = work(a == 0 ? 0.25 : value[a - 1]);
      }));
      nodes.push_back(std::make_unique<cn>(g, [&, a, b](flow::continue_msg) { value[b] = work(value[a]); }));
      nodes.push_back(std::make_unique<cn>(g, [&, a, c](flow::continue_msg) { value[c] = work(value[a]); }));
      nodes.push_back(std::make_unique<cn>(g, [&, b, c, d](flow::continue_msg) {
        value[d] = work(0.5 * (value[b] + value[c]));
      }));
      flow::make_edge(*nodes[a], *nodes[b]);
      flow::make_edge(*nodes[a], *nodes[c]);
      flow::make_edge(*nodes[b], *nodes[d]);
      flow::make_edge(*nodes[c], *nodes[d]);
      if (k > 0) flow::make_edge(*nodes[a - 1], *nodes[a]);
    }
    for (auto _ : state) {
      nodes[0]->try_put(flow::continue_msg{});
      g.wait_for_all();
      benchmark::DoNotOptimize(value[63]);
    }
  });
}
BENCHMARK(BM_tbb_flow_graph_threads2)->UseRealTime();
}  // namespace

BENCHMARK_MAIN();
