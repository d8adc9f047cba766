// bench_metrics: compute_metrics (every metric of a task) on 1M predictions, against one plain read of the same
// bytes and against scikit-learn's metrics on the same predictions (peer script, run once per benchmark).
//   build-evaluate/benchmarks/evaluate/bench_metrics --benchmark_min_time=1
// Counters: peer_seconds (scikit-learn CPU seconds, best of 3), read_seconds (plain read, best of 5),
// x_faster_than_sklearn and x_slower_than_read, both against our CPU time (the machine is shared).
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <mlpipe/evaluate/metrics.hpp>

namespace {

constexpr std::size_t rows = 1'000'000;

mlpipe::predictions make(mlpipe::task_kind task, std::size_t k) {
  std::mt19937_64 rng(1);
  std::normal_distribution<double> d(0, 1);
  mlpipe::predictions p;
  p.task = task;
  p.classes = k;
  for (std::size_t i = 0; i < rows; ++i) {
    if (task == mlpipe::task_kind::regression) {
      double x = d(rng);
      p.target.push_back(x);
      p.value.push_back(x + 0.3 * d(rng));
      continue;
    }
    int y = static_cast<int>(rng() % k);
    p.label.push_back(y);
    double z[8], s = 0;
    for (std::size_t c = 0; c < k; ++c) s += z[c] = std::exp(d(rng) + (static_cast<int>(c) == y));
    for (std::size_t c = 0; c < k; ++c) p.proba.push_back(z[c] / s);
  }
  return p;
}

// Runs the peer on the same predictions; returns its seconds (NaN when it cannot run).
double peer_seconds(const mlpipe::predictions& p, const char* kind) {
  auto file = std::filesystem::temp_directory_path() / "mlpipe-bench-metrics.bin";
  {
    std::ofstream out(file, std::ios::binary);
    if (p.task == mlpipe::task_kind::regression) {
      out.write(reinterpret_cast<const char*>(p.target.data()), static_cast<std::streamsize>(rows * 8));
      out.write(reinterpret_cast<const char*>(p.value.data()), static_cast<std::streamsize>(rows * 8));
    } else {
      std::vector<std::int32_t> y(p.label.begin(), p.label.end());
      out.write(reinterpret_cast<const char*>(y.data()), static_cast<std::streamsize>(rows * 4));
      out.write(reinterpret_cast<const char*>(p.proba.data()), static_cast<std::streamsize>(p.proba.size() * 8));
    }
  }
  std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_BENCH_PEER + " " + kind + " " +
                    std::to_string(rows) + " " + std::to_string(p.classes) + " " + file.string();
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  double s = std::nan("");
  if (pipe && std::fscanf(pipe.get(), "%lf", &s) != 1) s = std::nan("");
  std::filesystem::remove(file);
  return s;
}

// One plain pass over the same bytes (labels and probabilities, or targets and predictions).
double plain_read_seconds(const mlpipe::predictions& p) {
  double best = 1e9;
  for (int rep = 0; rep < 5; ++rep) {
    auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    long l = 0;
    for (double v : p.proba) s += v;
    for (int v : p.label) l += v;
    for (double v : p.target) s += v;
    for (double v : p.value) s += v;
    benchmark::DoNotOptimize(s);
    benchmark::DoNotOptimize(l);
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

void run(benchmark::State& state, mlpipe::task_kind task, std::size_t k, const char* kind) {
  static std::map<std::string, std::pair<double, double>> peers;  // kind -> (peer, read)
  auto p = make(task, k);
  if (!peers.count(kind)) peers[kind] = {peer_seconds(p, kind), plain_read_seconds(p)};
  for (auto _ : state) {
    auto m = mlpipe::compute_metrics(p);
    benchmark::DoNotOptimize(m);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * rows));
  state.counters["peer_seconds"] = peers[kind].first;
  state.counters["read_seconds"] = peers[kind].second;
  state.counters["x_faster_than_sklearn"] =
      benchmark::Counter(peers[kind].first * static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["x_slower_than_read"] =
      benchmark::Counter(peers[kind].second * static_cast<double>(state.iterations()),
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_metrics_binary(benchmark::State& s) { run(s, mlpipe::task_kind::binary, 2, "binary"); }
void BM_metrics_3_classes(benchmark::State& s) { run(s, mlpipe::task_kind::multiclass, 3, "multiclass"); }
void BM_metrics_regression(benchmark::State& s) { run(s, mlpipe::task_kind::regression, 0, "regression"); }

}  // namespace

BENCHMARK(BM_metrics_binary)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_metrics_3_classes)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_metrics_regression)->Unit(benchmark::kMillisecond);
BENCHMARK_MAIN();
