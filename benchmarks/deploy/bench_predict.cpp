// In-process batch prediction through a loaded bundle: a 20-feature logistic model with its standardize
// transform over 2M rows (MLPIPE_BENCH_ROWS overrides), on one core:
//  - plain_read:      sum every value of the same 20 columns (the memory-bandwidth ceiling),
//  - predictor_proba: predictor::predict_proba on the table (bind, transform block by block, model),
//  - predictor_class: predictor::predict (class indices).
// Prints rows/s and the predictor / plain-read time ratio measured in this run.
// Run: build/benchmarks/deploy/bench_predict   (MLPIPE_BENCH_PUSH_BASE=DIR: push the bundle there and exit)
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "../train/ratio_reporter.hpp"

namespace {

using namespace mlpipe;
constexpr std::size_t cols = 20;

std::size_t bench_rows() {
  if (const char* e = std::getenv("MLPIPE_BENCH_ROWS")) return std::strtoull(e, nullptr, 10);
  return 2'000'000;
}

struct fixture {
  table features;              // the 20 feature columns only (what a caller sends)
  std::unique_ptr<predictor> p;
};

fixture& data() {
  static fixture f = [] {
    fixture f;
    const std::size_t n = bench_rows();
    std::mt19937_64 rng(777);
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    std::vector<double> score(n, 0.0);
    examples ex;
    for (std::size_t j = 0; j < cols; ++j) {
      std::vector<double> v(n);
      const double w = u(rng);
      for (std::size_t r = 0; r < n; ++r) {
        double z = u(rng) + u(rng);
        v[r] = 2.0 * static_cast<double>(j) + (1.0 + static_cast<double>(j)) * z;
        score[r] += w * z;
      }
      f.features.add(column::numeric(std::string("x").append(std::to_string(j)), v));
    }
    // train on the first 20k rows (training speed is benchmarked elsewhere)
    const std::size_t m = std::min<std::size_t>(n, 20000);
    std::vector<std::size_t> idx(m);
    for (std::size_t i = 0; i < m; ++i) idx[i] = i;
    ex.train = f.features.take(idx);
    std::vector<double> y(m);
    for (std::size_t r = 0; r < m; ++r) y[r] = score[r] > 0 ? 1.0 : 0.0;
    ex.train.add(column::numeric("y", y));
    ex.label = "y";
    context ctx;
    auto g = fit_transform{}(ex, ctx);
    auto mdl = train<logistic_regression>{}(ex, g, ctx);
    auto dir = std::filesystem::temp_directory_path() / ("mlpipe_bench_predict_" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir);
    write_bundle(dir, g, mdl);
    if (const char* base = std::getenv("MLPIPE_BENCH_PUSH_BASE")) {  // serve_wrk.sh: publish a version and stop
      auto v = push_bundle(base, g, mdl);
      std::printf("pushed version %lld to %s\n", static_cast<long long>(v.version), v.path.c_str());
      std::filesystem::remove_all(dir);
      std::exit(0);
    }
    f.p = std::make_unique<predictor>(dir);
    std::filesystem::remove_all(dir);
    return f;
  }();
  return f;
}

void plain_read(benchmark::State& st) {
  auto& f = data();
  for (auto _ : st) {
    double s = 0;
    for (std::size_t j = 0; j < cols; ++j)
      for (double v : f.features.col(j).values()) s += v;
    benchmark::DoNotOptimize(s);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows() * cols * 8));
}

void predictor_proba(benchmark::State& st) {
  auto& f = data();
  for (auto _ : st) {
    auto p = f.p->predict_proba(f.features);
    benchmark::DoNotOptimize(p.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows() * cols * 8));
}

void predictor_class(benchmark::State& st) {
  auto& f = data();
  for (auto _ : st) {
    auto p = f.p->predict(f.features);
    benchmark::DoNotOptimize(p.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
}

BENCHMARK(plain_read)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(predictor_proba)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(predictor_class)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bench::ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const double n = static_cast<double>(bench_rows());
  const double plain = rep.get("plain_read"), proba = rep.get("predictor_proba"), cls = rep.get("predictor_class");
  if (plain > 0 && proba > 0)
    std::printf("\nrows/s: plain read %.3g, predict_proba %.3g, predict %.3g; predict_proba / plain read time %.2fx\n",
                n / plain, n / proba, cls > 0 ? n / cls : 0.0, proba / plain);
  benchmark::Shutdown();
}
