// In-process batch prediction through a loaded bundle: a 20-feature logistic model with its standardize
// transform over 2M rows (MLPIPE_BENCH_ROWS overrides), on one core:
//  - plain_read:      sum every value of the same 20 columns (the memory-bandwidth ceiling),
//  - predictor_proba: predictor::predict_proba on the table into a reused buffer (the transform folded into the
//                     weights: one dot product per row over the columns), _vector: into a fresh vector,
//  - predictor_class: predictor::predict (class indices),
//  - unfolded_proba:  the training code's path (transform block by block, then the model), for comparison.
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
  std::unique_ptr<predictor> p, unfolded;
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
    auto g = fit_transform{}(ex, {}, ctx);
    auto mdl = train<logistic_regression>{}(ex, g, {}, ctx);
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
    f.unfolded = std::make_unique<predictor>(dir, false);
    if (!f.p->folded()) std::fprintf(stderr, "bench_predict: the transform did not fold\n");
    std::filesystem::remove_all(dir);
    return f;
  }();
  return f;
}

void plain_read(benchmark::State& st) {
  auto& f = data();
  const std::size_t n = f.features.rows();
  for (auto _ : st) {
    // four independent sums (one would wait on the add latency, not on memory): the bandwidth ceiling
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t j = 0; j < cols; ++j) {
      const double* v = f.features.col(j).values().data();
      std::size_t r = 0;
      for (; r + 4 <= n; r += 4) s0 += v[r], s1 += v[r + 1], s2 += v[r + 2], s3 += v[r + 3];
      for (; r < n; ++r) s0 += v[r];
    }
    double s = (s0 + s1) + (s2 + s3);
    benchmark::DoNotOptimize(s);
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * n));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * n * cols * 8));
}

// predict_proba into a buffer the caller reuses (what an embedding application does batch after batch)
void predictor_proba(benchmark::State& st) {
  auto& f = data();
  std::vector<double> out(f.features.rows() * 2);
  for (auto _ : st) {
    f.p->predict_proba(f.features, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
  st.SetBytesProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows() * cols * 8));
}

// the same returning a fresh vector (its allocation and first touch included)
void predictor_proba_vector(benchmark::State& st) {
  auto& f = data();
  for (auto _ : st) {
    auto p = f.p->predict_proba(f.features);
    benchmark::DoNotOptimize(p.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
}

void predictor_class(benchmark::State& st) {
  auto& f = data();
  std::vector<double> out(f.features.rows());
  for (auto _ : st) {
    f.p->predict(f.features, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
}

// the training code's path: transform block by block into a feature block, then the model
void unfolded_proba(benchmark::State& st) {
  auto& f = data();
  std::vector<double> out(f.features.rows() * 2);
  for (auto _ : st) {
    f.unfolded->predict_proba(f.features, out);
    benchmark::DoNotOptimize(out.data());
  }
  st.SetItemsProcessed(static_cast<std::int64_t>(st.iterations() * f.features.rows()));
}

BENCHMARK(plain_read)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(predictor_proba)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(predictor_proba_vector)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(predictor_class)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(unfolded_proba)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  bench::ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  const double n = static_cast<double>(bench_rows());
  const double plain = rep.get("plain_read"), proba = rep.get("predictor_proba"), cls = rep.get("predictor_class"),
               vec = rep.get("predictor_proba_vector"), unf = rep.get("unfolded_proba");
  if (plain > 0 && proba > 0)
    std::printf("\nrows/s: plain read %.3g, predict_proba %.3g (into a fresh vector %.3g), predict %.3g, unfolded "
                "predict_proba %.3g; predict_proba / plain read time %.2fx\n",
                n / plain, n / proba, vec > 0 ? n / vec : 0.0, cls > 0 ? n / cls : 0.0, unf > 0 ? n / unf : 0.0,
                proba / plain);
  benchmark::Shutdown();
}
