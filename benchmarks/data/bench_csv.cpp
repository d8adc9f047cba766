// CSV parsing throughput on a numeric file (1M rows x 20 columns, generated in a temp dir), against a plain
// read of the same bytes (file -> memory, and one pass over bytes already in memory) and pandas.read_csv
// (/usr/bin/python3, peer script pandas_read_csv.py). Prints the ratios measured in this run at the end.
//   bench_csv [--rows=N] [google benchmark flags]
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <random>
#include <string>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/data/csv.hpp>

namespace fs = std::filesystem;

namespace {
std::size_t g_rows = 1'000'000;
fs::path g_file;
std::string g_text;  // the file's bytes, resident

// Numbers as people's CSV files hold them: fixed decimals at several magnitudes, some negative.
void generate(const fs::path& file, std::size_t rows) {
  std::mt19937_64 rng(2024);
  std::normal_distribution<double> normal(0.0, 1.0);
  std::ofstream out(file, std::ios::binary);
  std::string line;
  for (int j = 0; j < 20; ++j) line += (j ? ",x" : "x") + std::to_string(j);
  out << line << '\n';
  char buf[64];
  const double scale[4] = {1, 10, 100, 1000};
  for (std::size_t i = 0; i < rows; ++i) {
    line.clear();
    for (int j = 0; j < 20; ++j) {
      int n = std::snprintf(buf, sizeof buf, "%.6f", normal(rng) * scale[j % 4]);
      if (j) line += ',';
      line.append(buf, static_cast<std::size_t>(n));
    }
    line += '\n';
    out << line;
  }
}

// Arg: the parsing threads (csv_options::threads); wall time, as a user waits for it.
void BM_csv_read_file(benchmark::State& state) {
  std::size_t rows = 0;
  mlpipe::csv_options o;
  o.threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto t = mlpipe::read_csv(g_file, o);
    rows = t.rows();
    benchmark::DoNotOptimize(t.col(0).values().data());
  }
  if (rows != g_rows) state.SkipWithError("wrong row count");
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(g_file)));
}

// The same, with the freed column memory returned to the system before each read: what one read in a fresh
// process pays for faulting in (and the kernel zeroing) the table's pages.
void BM_csv_read_file_cold(benchmark::State& state) {
  mlpipe::csv_options o;
  o.threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
#if defined(__linux__)
    mlpipe::detail::huge_block_cache::instance().release();
#endif
    state.ResumeTiming();
    auto t = mlpipe::read_csv(g_file, o);
    benchmark::DoNotOptimize(t.col(0).values().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(g_file)));
}

void BM_csv_read_memory(benchmark::State& state) {
  for (auto _ : state) {
    auto t = mlpipe::read_csv_string(g_text);
    benchmark::DoNotOptimize(t.col(0).values().data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_text.size()));
}

// Streaming in chunks of a 128 MB budget (as `mlpipe stats` reads a file larger than memory).
void BM_csv_stream_128MB(benchmark::State& state) {
  for (auto _ : state) {
    double sum = 0;
    mlpipe::for_each_chunk(g_file, std::size_t{128} << 20, [&](const mlpipe::table& t) { sum += t.col(0).values()[0]; });
    benchmark::DoNotOptimize(sum);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(g_file)));
}

// Reference 1: the file's bytes into a reused buffer (page cache -> memory), summed so they are touched.
void BM_plain_file_read(benchmark::State& state) {
  std::vector<char> buf(std::size_t{4} << 20);
  for (auto _ : state) {
    std::ifstream in(g_file, std::ios::binary);
    std::uint64_t acc = 0;
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      auto n = static_cast<std::size_t>(in.gcount());
      for (std::size_t i = 0; i + 8 <= n; i += 8) {
        std::uint64_t v;
        std::memcpy(&v, buf.data() + i, 8);
        acc += v;
      }
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(g_file)));
}

// Reference 2: one pass over the bytes already in memory (memory bandwidth).
void BM_plain_memory_pass(benchmark::State& state) {
  for (auto _ : state) {
    std::uint64_t acc = 0;
    for (std::size_t i = 0; i + 8 <= g_text.size(); i += 8) {
      std::uint64_t v;
      std::memcpy(&v, g_text.data() + i, 8);
      acc += v;
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * g_text.size()));
}

// The peer: pandas.read_csv timed inside Python (best of 3 in CPU seconds, as Google Benchmark measures our
// side), reported as manual time.
void BM_pandas_read_csv(benchmark::State& state) {
  for (auto _ : state) {
    std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_BENCH_PEER + " " + g_file.string() + " 3";
    FILE* p = ::popen(cmd.c_str(), "r");
    std::string out;
    char buf[512];
    std::size_t n;
    while (p && (n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    if (!p || ::pclose(p) != 0) {
      state.SkipWithError("the pandas peer failed");
      return;
    }
    auto j = nlohmann::json::parse(out);
    state.SetIterationTime(j["seconds"].get<double>());
    state.SetLabel("pandas " + j["pandas"].get<std::string>());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * fs::file_size(g_file)));
}

/// Console output as usual, plus the throughput of each run kept for the ratios.
class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> bytes_per_second;
  void ReportRuns(const std::vector<Run>& runs) override {
    for (auto& r : runs) {
      if (r.error_occurred || r.run_type != Run::RT_Iteration) continue;
      auto it = r.counters.find("bytes_per_second");
      if (it != r.counters.end()) bytes_per_second[r.benchmark_name()] = it->second.value;
    }
    ConsoleReporter::ReportRuns(runs);
  }
};
}  // namespace

BENCHMARK(BM_csv_read_file)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_csv_read_file_cold)->ArgName("threads")->Arg(1)->Arg(2)->UseRealTime()->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_csv_read_memory)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_csv_stream_128MB)->Unit(benchmark::kMillisecond)->MinTime(2.0);
BENCHMARK(BM_plain_file_read)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_plain_memory_pass)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(BM_pandas_read_csv)->Unit(benchmark::kMillisecond)->UseManualTime()->Iterations(1);

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i)
    if (std::strncmp(argv[i], "--rows=", 7) == 0) g_rows = std::stoull(argv[i] + 7);
  auto dir = fs::temp_directory_path() / ("mlpipe_bench_csv_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  g_file = dir / "numeric_1Mx20.csv";
  generate(g_file, g_rows);
  {
    std::ifstream in(g_file, std::ios::binary);
    g_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  std::cout << "file: " << g_file << " (" << g_rows << " rows x 20 columns, " << fs::file_size(g_file) / 1e6
            << " MB)\n";
  benchmark::Initialize(&argc, argv);
  ratio_reporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  auto& b = reporter.bytes_per_second;
  auto get = [&](const char* prefix) {
    for (auto& [k, v] : b)
      if (k.rfind(prefix, 0) == 0) return v;
    return 0.0;
  };
  double ours = get("BM_csv_read_file/threads:1/"), cold = get("BM_csv_read_file_cold/threads:1/"),
         ours2 = get("BM_csv_read_file/threads:2/"), cold2 = get("BM_csv_read_file_cold/threads:2/"), mem = get("BM_csv_read_memory"), pandas = get("BM_pandas_read_csv"),
         file = get("BM_plain_file_read"), pass = get("BM_plain_memory_pass");
  std::printf("\nratios (this run):\n");
  std::printf("  mlpipe read_csv (file)   %.3f GB/s\n", ours / 1e9);
  std::printf("  mlpipe read_csv (file, cold memory) %.3f GB/s\n", cold / 1e9);
  std::printf("  mlpipe read_csv (file, 2 threads) %.3f GB/s = %.2fx one thread (cold memory: %.3f GB/s = %.2fx)\n",
              ours2 / 1e9, ours2 / ours, cold2 / 1e9, cold2 / cold);
  std::printf("  mlpipe read_csv (memory) %.3f GB/s\n", mem / 1e9);
  if (pandas > 0)
    std::printf("  pandas.read_csv          %.3f GB/s   mlpipe/pandas = %.1fx (cold: %.1fx)\n", pandas / 1e9, ours / pandas,
                cold / pandas);
  if (file > 0) std::printf("  plain file read          %.3f GB/s   mlpipe/plain file read = %.2f\n", file / 1e9, ours / file);
  if (pass > 0) std::printf("  plain memory pass        %.3f GB/s   mlpipe(memory)/memory pass = %.3f\n", pass / 1e9, mem / pass);
  fs::remove_all(dir);
}
