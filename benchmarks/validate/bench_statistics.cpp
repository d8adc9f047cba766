// Statistics over a 1M x 20 numeric table, measured against one plain read of the same bytes (the memory
// bandwidth reference) and against pandas describe() with quantiles (peer script), all in the same run.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include <mlpipe/validate/detail/finite_scan.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace {

constexpr std::size_t rows = 1'000'000, cols = 20;

const mlpipe::table& data() {
  static const mlpipe::table t = [] {
    mlpipe::table t;
    std::mt19937_64 g(12345);
    for (std::size_t c = 0; c < cols; ++c) {
      std::normal_distribution<double> d(static_cast<double>(c), 1.0 + static_cast<double>(c));
      std::vector<double> v(rows);
      for (auto& x : v) x = d(g);
      std::string name = "c";
      name += std::to_string(c);  // (not "c" + ...: GCC 12 warns falsely on that)
      t.add(mlpipe::column::numeric(std::move(name), std::move(v)));
    }
    return t;
  }();
  return t;
}

// The reference: every byte of the table read once (a sum, so the loads cannot be skipped).
void plain_read(benchmark::State& state) {
  const auto& t = data();
  for (auto _ : state) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      auto v = t.col(c).values();
      const double* p = v.data();
      for (std::size_t i = 0; i + 4 <= v.size(); i += 4) {
        s0 += p[i];
        s1 += p[i + 1];
        s2 += p[i + 2];
        s3 += p[i + 3];
      }
    }
    benchmark::DoNotOptimize(s0 + s1 + s2 + s3);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rows * cols * sizeof(double)));
}
BENCHMARK(plain_read)->Unit(benchmark::kMillisecond)->UseRealTime();

void statistics(benchmark::State& state) {
  const auto& t = data();
  auto threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto s = mlpipe::compute_statistics(t, "bench", {}, threads);
    benchmark::DoNotOptimize(s.columns.back().mean());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rows * cols * sizeof(double)));
}
BENCHMARK(statistics)->Arg(1)->Arg(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())))
    ->Unit(benchmark::kMillisecond)->UseRealTime();

// The per-value part of the statistics alone: the one vectorized pass per 2048-value block (shifted sums for
// the moments, min, max, zeros, finiteness) merged into moments, without the quantile sketch: shows where the
// time goes.
void moments_only(benchmark::State& state) {
  const auto& t = data();
  for (auto _ : state) {
    double acc = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      mlpipe::moments m;
      auto v = t.col(c).values();
      for (std::size_t b = 0; b < v.size(); b += 2048) {
        const std::size_t n = std::min<std::size_t>(2048, v.size() - b);
        const double shift = m.count ? m.mean : v[b];
        auto r = mlpipe::detail::finite_scan(v.data() + b, n, shift);
        const double dn = static_cast<double>(n);
        m.merge(mlpipe::moments{n, shift + r.s1 / dn, r.s2 - r.s1 * r.s1 / dn});
        acc += r.lo + r.hi + static_cast<double>(r.zeros);
      }
      acc += m.mean;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * rows * cols * sizeof(double)));
}
BENCHMARK(moments_only)->Unit(benchmark::kMillisecond)->UseRealTime();

// Keeps each benchmark's time per iteration, to print the ratios at the end.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> ms, cpu_ms;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (auto& r : runs)
      if (r.run_type == Run::RT_Iteration && r.iterations > 0)
      {
        ms[r.benchmark_name()] = r.GetAdjustedRealTime();  // in the run's unit (ms)
        cpu_ms[r.benchmark_name()] = r.GetAdjustedCPUTime();
      }
    ConsoleReporter::ReportRuns(runs);
  }
};

// Best wall and CPU seconds of pandas describe() on the same columns (the peer script).
std::pair<double, double> pandas_seconds() {
  auto file = std::filesystem::temp_directory_path() / "mlpipe_bench_statistics.f64";
  {
    std::ofstream out(file, std::ios::binary);
    for (std::size_t c = 0; c < cols; ++c) {
      auto v = data().col(c).values();
      out.write(reinterpret_cast<const char*>(v.data()), static_cast<std::streamsize>(v.size() * sizeof(double)));
    }
  }
  std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_BENCH_PEER + " " + file.string() + " " +
                    std::to_string(rows) + " " + std::to_string(cols) + " 3";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  double secs = -1, cpu = -1;
  if (pipe && std::fscanf(pipe.get(), "%lf %lf", &secs, &cpu) != 2) secs = cpu = -1;
  pipe.reset();
  std::filesystem::remove(file);
  return {secs, cpu};
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  benchmark::Shutdown();
  auto get = [&](const std::string& prefix) {
    for (auto& [k, v] : rep.ms)
      if (k.rfind(prefix, 0) == 0) return v;
    return -1.0;
  };
  double read = get("plain_read"), one = get("statistics/1/"), all = -1;
  // CPU time of the calling thread: meaningful for the single-thread runs even on a busy machine.
  double read_cpu = -1, one_cpu = -1, mom_cpu = -1;
  for (auto& [k, v] : rep.cpu_ms) {
    if (k.rfind("moments_only", 0) == 0) mom_cpu = v;
    if (k.rfind("plain_read", 0) == 0) read_cpu = v;
    if (k.rfind("statistics/1/", 0) == 0) one_cpu = v;
  }
  for (auto& [k, v] : rep.ms)
    if (k.rfind("statistics/", 0) == 0 && k.rfind("statistics/1/", 0) != 0) all = v;
  if (all < 0) all = one;
  auto [pandas_s, pandas_cpu_s] = pandas_seconds();
  double pandas = pandas_s * 1e3, pandas_cpu = pandas_cpu_s * 1e3;
  std::printf("\nstatistics 1M x 20 doubles: plain read %.1f ms, statistics %.1f ms (1 thread), %.1f ms (%u threads)\n",
              read, one, all, std::max(1u, std::thread::hardware_concurrency()));
  std::printf("ratio statistics / plain read: %.2fx (1 thread), %.2fx (all threads)  [goal <= 2x]\n", one / read, all / read);
  std::printf("single thread, CPU time: plain read %.1f ms, statistics %.1f ms, ratio %.2fx; one pass without the sketch %.1f ms (%.2fx)\n",
              read_cpu, one_cpu, one_cpu / read_cpu, mom_cpu, mom_cpu / read_cpu);
  if (pandas > 0) {
    std::printf("pandas describe() with 9 quantiles: %.1f ms; speed-up %.2fx (1 thread), %.2fx (all threads)  [goal >= 5x]\n",
                pandas, pandas / one, pandas / all);
    std::printf("CPU time: pandas %.1f ms, mlpipe 1 thread %.1f ms: speed-up %.2fx\n", pandas_cpu, one_cpu,
                pandas_cpu / one_cpu);
  }
  else
    std::printf("pandas peer did not run\n");
  return 0;
}
