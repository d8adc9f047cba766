// The UI's answers on a store of 10,000 runs (6 nodes each, made through the recorder): the runs page (50 a page,
// first and last page) and the history of a figure over every run (downsampled to 1,000 drawn points).
// Goal: each under 300 ms. The store is made once in MLPIPE_UI_BENCH_STORE (default /tmp/mlpipe-ui-bench.sqlite).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <mlpipe/metadata/sqlite.hpp>
#include <mlpipe/ui/app.hpp>

#include "../metadata/make_store.hpp"

namespace {

constexpr long runs = 10000;

mlpipe::metadata::store& bench_store_10k() {
  static std::unique_ptr<mlpipe::metadata::store> s = [] {
    const char* env = std::getenv("MLPIPE_UI_BENCH_STORE");
    std::filesystem::path path = env && *env ? env : "/tmp/mlpipe-ui-bench.sqlite";
    bool fresh = !std::filesystem::exists(path);
    if (fresh) {
      auto w = mlpipe::metadata::open_sqlite_store(path);
      bench_store::fill(*w, path.parent_path() / "mlpipe-ui-bench-artifacts", runs);
    }
    return mlpipe::metadata::open_sqlite_store_read_only(path);
  }();
  return *s;
}

void page(benchmark::State& state, const char* path, const char* query) {
  auto& s = bench_store_10k();
  auto q = mlpipe::ui::parse_query(query);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto r = mlpipe::ui::handle(s, path, q);
    if (r.status != 200) state.SkipWithError("not 200");
    bytes = r.body.size();
    benchmark::DoNotOptimize(r);
  }
  state.counters["page_bytes"] = static_cast<double>(bytes);
}

void runs_first_page(benchmark::State& st) { page(st, "/runs", ""); }
void runs_last_page(benchmark::State& st) { page(st, "/runs", "page=200"); }
void runs_filtered(benchmark::State& st) { page(st, "/runs", "pipeline=bench&page=100"); }
void history_auc(benchmark::State& st) { page(st, "/history", "figure=auc"); }
void history_auc_of_node(benchmark::State& st) { page(st, "/history", "figure=auc&node=evaluate"); }

}  // namespace

BENCHMARK(runs_first_page)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(runs_last_page)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(runs_filtered)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(history_auc)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK(history_auc_of_node)->Unit(benchmark::kMillisecond)->MinTime(1.0);
BENCHMARK_MAIN();
