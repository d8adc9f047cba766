// One epoch of logistic regression (minibatch SGD) with standardize on 10M x 16 doubles (+ the label column):
//  - plain_read:    sum every value of the same 17 columns (the memory-bandwidth ceiling),
//  - fused_epoch:   blocks sized for L2 through validate | standardize | gradient step, no transformed copy
//                   (standardize folded into the weights, the table's columns read in place),
//  - chunked_read:  the same bytes in the epoch's order (64-row chunks across the 17 columns), for reference,
//  - unfused_epoch: materialize the standardized matrix as an xtensor, then the same epoch over it;
//  - builtin_*_epoch / xtensor_*_epoch: the fused epoch behind clip (cheap: the op's overhead shows) or
//    clip | log1p (libm-bound), once with the built-in op and once with the same op written by a user as an
//    xtensor expression (transform/xtensor_op.hpp).
// Prints fused / plain-read bandwidth, unfused / fused time and xtensor op / built-in op time, in this run.
// Run: build/benchmarks/train/bench_fused_epoch   (needs ~3 GB of memory; MLPIPE_BENCH_ROWS overrides 10M)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <mlpipe/train/train.hpp>
#include <mlpipe/train/unfused.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/xtensor_op.hpp>

#include "ratio_reporter.hpp"

namespace {

using namespace mlpipe;

constexpr std::size_t cols = 16;

std::size_t bench_rows() {
  if (const char* e = std::getenv("MLPIPE_BENCH_ROWS")) return std::strtoull(e, nullptr, 10);
  return 10'000'000;
}

struct fixture {
  table t;
  transform_graph g;
  label_encoding enc;
  train<logistic_regression> stage;
  detail::glm_shape shape;
};

fixture& data() {
  static fixture f = [] {
    fixture f;
    const std::size_t n = bench_rows();
    std::mt19937_64 rng(12345);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> score(n, 0.0);
    for (std::size_t j = 0; j < cols; ++j) {
      std::vector<double> v(n);
      const double scale = 1.0 + static_cast<double>(j), shift = 3.0 * static_cast<double>(j), w = u(rng);
      for (std::size_t r = 0; r < n; ++r) {
        double z = u(rng) + u(rng) + u(rng);  // roughly normal, cheap to draw
        v[r] = shift + scale * z;
        score[r] += w * z;
      }
      f.t.add(column::numeric(std::string("x").append(std::to_string(j)), std::move(v)));
    }
    std::vector<double> y(n);
    std::uniform_real_distribution<double> p(0.0, 1.0);
    for (std::size_t r = 0; r < n; ++r) y[r] = p(rng) < 1.0 / (1.0 + std::exp(-score[r])) ? 1.0 : 0.0;
    f.t.add(column::numeric("y", std::move(y)));
    f.g = fit_transform_graph(make_ops(standardize), f.t, "y");
    f.enc = label_encoding::fit(f.t, "y", true);
    f.stage.solver = "sgd";
    f.stage.epochs = 1;
    f.stage.batch_size = 256;
    f.stage.learning_rate = 0.01;
    f.shape = {f.g.width(), 1};
    return f;
  }();
  return f;
}

std::size_t block_rows() { return training_block_rows(cols, 256); }


void set_bytes(benchmark::State& state) {
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(data().t.rows() * (cols + 1) * sizeof(double)));
}

// The user's versions of two built-in ops, as they would write them.
struct clip_xt : xtensor_op<clip_xt> {
  static constexpr std::string_view op_name = "clip_xt";
  auto operator()(const auto& x) const { return xt::clip(x, -3.0, 3.0); }
};
struct log1p_xt : xtensor_op<log1p_xt> {
  static constexpr std::string_view op_name = "log1p_xt";
  auto operator()(const auto& x) const { return xt::log1p(x); }
};

enum user_graph { builtin_clip, xtensor_clip, builtin_log1p, xtensor_log1p };
const transform_graph& op_graph(user_graph which) {
  static const std::vector<transform_graph> graphs = [] {
    const auto& t = data().t;
    std::vector<transform_graph> v;
    v.push_back(fit_transform_graph(mlpipe::clip(-3, 3) | standardize, t, "y"));
    v.push_back(fit_transform_graph(clip_xt{} | standardize, t, "y"));
    v.push_back(fit_transform_graph(mlpipe::clip(0, 1e9) | mlpipe::log1p | standardize, t, "y"));
    v.push_back(fit_transform_graph(mlpipe::clip(0, 1e9) | log1p_xt{} | standardize, t, "y"));
    return v;
  }();
  return graphs[which];
}

// Fused SGD epochs over the table behind the transform g.
void fused_epochs(benchmark::State& state, const transform_graph& g) {
  auto& f = data();
  context ctx;
  fused_source src(f.t, g, f.enc, block_rows());
  for (auto _ : state) {
    training_report rep;
    auto theta = f.stage.optimize(src, static_cast<fused_source*>(nullptr), f.shape, {}, "sgd", rep, ctx);
    benchmark::DoNotOptimize(theta.data());
    state.counters["loss"] = rep.train_loss;
  }
  set_bytes(state);
}

void op_epoch(benchmark::State& state) { fused_epochs(state, op_graph(static_cast<user_graph>(state.range(0)))); }

void plain_read(benchmark::State& state) {
  auto& f = data();
  for (auto _ : state) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (const auto& c : f.t.columns()) {
      auto v = c.values();
      std::size_t i = 0;
      for (; i + 4 <= v.size(); i += 4) s0 += v[i], s1 += v[i + 1], s2 += v[i + 2], s3 += v[i + 3];
      for (; i < v.size(); ++i) s0 += v[i];
    }
    benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
  }
  set_bytes(state);
}

void fused_epoch(benchmark::State& state) { fused_epochs(state, data().g); }

// The same bytes in the order a minibatch epoch needs them: 64-row chunks across the 17 columns (17 streams at
// once, all at the same offset in their columns) instead of one column after the other. Not a goal, a
// reference: it shows what the access pattern alone costs on this machine.
void chunked_read(benchmark::State& state) {
  auto& f = data();
  std::vector<const double*> cols;
  for (const auto& c : f.t.columns()) cols.push_back(c.values().data());
  const std::size_t n = f.t.rows();
  for (auto _ : state) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t c0 = 0; c0 < n; c0 += 64) {
      const std::size_t c1 = std::min(n, c0 + 64);
      for (const double* v : cols) {
        std::size_t i = c0;
        for (; i + 4 <= c1; i += 4) s0 += v[i], s1 += v[i + 1], s2 += v[i + 2], s3 += v[i + 3];
        for (; i < c1; ++i) s0 += v[i];
      }
    }
    benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
  }
  set_bytes(state);
}

void unfused_epoch(benchmark::State& state) {
  auto& f = data();
  context ctx;
  for (auto _ : state) {
    materialized_source src(f.t, f.g, f.enc, block_rows());  // the transformed copy, as an xtensor
    training_report rep;
    auto theta = f.stage.optimize(src, static_cast<materialized_source*>(nullptr), f.shape, {}, "sgd", rep, ctx);
    benchmark::DoNotOptimize(theta.data());
    state.counters["loss"] = rep.train_loss;
  }
  set_bytes(state);
}

}  // namespace

BENCHMARK(plain_read)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(fused_epoch)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(chunked_read)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(unfused_epoch)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(op_epoch)->Name("builtin_clip_epoch")->Arg(builtin_clip)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(op_epoch)->Name("xtensor_clip_epoch")->Arg(xtensor_clip)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(op_epoch)->Name("builtin_log1p_epoch")->Arg(builtin_log1p)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(op_epoch)->Name("xtensor_log1p_epoch")->Arg(xtensor_log1p)->Unit(benchmark::kMillisecond)->Iterations(3);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  data();  // build the table before timing
  bench::ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  double read = rep.get("plain_read"), fused = rep.get("fused_epoch"), unfused = rep.get("unfused_epoch"),
         chunked = rep.get("chunked_read");
  if (read > 0 && fused > 0 && unfused > 0) {
    std::printf("\nrows %zu x %zu (+ label), block %zu rows\n", data().t.rows(), cols, block_rows());
    std::printf("fused epoch bandwidth / plain read: %.0f%%  (goal >= 50%%)\n", 100.0 * read / fused);
    std::printf("unfused / fused epoch time:         %.2fx (goal >= 3x)\n", unfused / fused);
    if (chunked > 0)
      std::printf("chunked read / plain read:          %.0f%%  (the epoch's access pattern alone)\n", 100.0 * read / chunked);
  }
  for (auto op : {"clip", "log1p"}) {
    double b = rep.get(std::string("builtin_") + op), x = rep.get(std::string("xtensor_") + op);
    if (b > 0 && x > 0)
      std::printf("xtensor %-5s op / built-in, epoch:  %.2fx (goal <= 1.2x)\n", op, x / b);
  }
  benchmark::Shutdown();
  return 0;
}
