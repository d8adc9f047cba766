// Streams a CSV file through mlpipe::for_each_chunk within a memory budget and sums every numeric column,
// for the peak-memory check under /usr/bin/time -v (see docs/performance.md). Also writes test files.
//   bench_csv_stream FILE BUDGET_MB            -> rows, chunks, seconds, GB/s
//   bench_csv_stream --generate FILE ROWS      -> a numeric CSV of ROWS x 20 columns
#include <chrono>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <mlpipe/data/csv.hpp>

int main(int argc, char** argv) {
  if (argc == 4 && std::strcmp(argv[1], "--generate") == 0) {
    std::FILE* f = std::fopen(argv[2], "wb");
    if (!f) return 2;
    std::mt19937_64 rng(7);
    std::normal_distribution<double> normal(0.0, 1.0);
    for (int j = 0; j < 20; ++j) std::fprintf(f, j ? ",x%d" : "x%d", j);
    std::fputc('\n', f);
    auto rows = std::stoull(argv[3]);
    for (unsigned long long i = 0; i < rows; ++i)
      for (int j = 0; j < 20; ++j) std::fprintf(f, j < 19 ? "%.6f," : "%.6f\n", normal(rng) * (j % 4 + 1) * 10);
    return std::fclose(f) == 0 ? 0 : 2;
  }
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s FILE BUDGET_MB | --generate FILE ROWS\n", argv[0]);
    return 2;
  }
  try {
    std::size_t budget = std::stoull(argv[2]) << 20;
    auto t0 = std::chrono::steady_clock::now();
    std::vector<double> sums;
    std::size_t chunks = 0;
    auto rows = mlpipe::for_each_chunk(argv[1], budget, [&](const mlpipe::table& t) {
      sums.resize(t.num_columns());
      for (std::size_t j = 0; j < t.num_columns(); ++j)
        if (t.col(j).is_numeric())
          for (double v : t.col(j).values()) sums[j] += v;
      ++chunks;
    });
    double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::printf("rows %zu chunks %zu seconds %.3f GB/s %.3f sum0 %.6g\n", rows, chunks, s,
                static_cast<double>(std::filesystem::file_size(argv[1])) / s / 1e9, sums.empty() ? 0.0 : sums[0]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 2;
  }
}
