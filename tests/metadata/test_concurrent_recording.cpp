// Concurrent recording in one process: four threads, each with its own connection to one SQLite store, record
// parallel runs (2 runner threads each, so the recorder is called from several threads) of the numbers
// pipeline at once. Nothing is lost and every run completes; scripts/test.sh also runs it under ThreadSanitizer.
#include <doctest/doctest.h>

#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/reports.hpp>

#include "backends.hpp"
#include "numbers_pipeline.hpp"

using namespace mlpipe::metadata;

TEST_CASE("recording: threads recording parallel runs into one store at once lose nothing") {
  mlpipe_test::temp_dir d;
  const auto url = "sqlite:" + (d.path / "store.sqlite").string();
  open_store(url);  // the schema, once
  constexpr int threads = 4, runs = 3;
  std::vector<std::thread> pool;
  std::atomic<int> ok{0};
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      auto s = open_store(url);  // a store per thread (a store is not thread-safe; the database is shared)
      recorder rec(*s, d.path / "artifacts");
      auto input = d.path / ("input" + std::to_string(t) + ".txt");
      for (int r = 0; r < runs; ++r) {
        numbers_test::write_numbers(input, {t, r, 3});  // new data each run: every node executes
        auto p = numbers_test::make_pipeline(input.string(), 2);
        ok += mlpipe::run(p, {.threads = 2, .observer = &rec}).ok();
      }
    });
  for (auto& th : pool) th.join();
  CHECK(ok == threads * runs);
  auto s = open_store_read_only(url);
  auto list = list_runs(*s, "numbers");
  REQUIRE(list.size() == threads * runs);
  for (auto& r : list) {
    CHECK(r["state"] == "COMPLETE");
    CHECK(r["executions"]["COMPLETE"] == 4);
  }
}
