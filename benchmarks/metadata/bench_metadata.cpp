// Recording one execution through the store vs the same rows by hand-written prepared statements in one
// transaction (the floor), on SQLite and MariaDB; lineage on a store of 10,000 runs.
//   bench_metadata                         (SQLite only)
//   MLPIPE_BENCH_MARIADB_URL=mariadb://... bench_metadata   (adds MariaDB; scripts/mariadb.sh start prints one)
// Each benchmark reports the median and 90th percentile of single operations (median_ms, p90_ms).
#include <benchmark/benchmark.h>
#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/reports.hpp>

#include "make_store.hpp"
#include "record_shape.hpp"

namespace fs = std::filesystem;
using namespace mlpipe::metadata;

namespace {

fs::path bench_dir() {
  auto d = fs::temp_directory_path() / "mlpipe-bench-metadata";
  fs::create_directories(d);
  return d;
}

template <class F>
void timed(benchmark::State& state, F&& op) {
  std::vector<double> ms;
  for (auto _ : state) {
    auto t0 = std::chrono::steady_clock::now();
    op();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  if (ms.empty()) return;
  state.counters["median_ms"] = ms[ms.size() / 2];
  state.counters["p90_ms"] = ms[ms.size() * 9 / 10];
}

std::string fresh_sqlite(const std::string& name) {
  auto f = bench_dir() / name;
  for (auto ext : {"", "-wal", "-shm"}) fs::remove(f.string() + ext);
  return "sqlite:" + f.string();
}

std::string fresh_mariadb(const std::string& db) {
  auto u = parse_store_url(std::getenv("MLPIPE_BENCH_MARIADB_URL"));
  detail::mariadb_connection admin(u);
  admin.exec_direct("DROP DATABASE IF EXISTS `" + db + "`");
  admin.exec_direct("CREATE DATABASE `" + db + "` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin");
  return "mariadb://" + u.user + ":" + u.password + "@" + u.host + ":" + std::to_string(u.port) + "/" + db;
}

std::vector<context> make_contexts(store& s) {
  std::vector<context> c(3);
  c[0].type = "pipeline";
  c[0].name = "demo";
  c[1].type = "pipeline_run";
  c[1].name = "run-1";
  c[2].type = "node";
  c[2].name = "demo.train";
  for (auto& x : c) x = s.ensure_context(x);
  return c;
}

// ---- ours: one store::put_execution (what the recorder's node_succeeded does) ------------------------------------
void record_with_store(benchmark::State& state, const std::string& url) {
  auto s = open_store(url);
  auto ctx = make_contexts(*s);
  execution e;
  std::vector<store::artifact_and_event> items;
  long i = 0;
  bench_shape::fill(e, items, i);
  s->put_execution(e, items, ctx);  // registers the types once
  timed(state, [&] {
    bench_shape::fill(e, items, ++i);
    auto c = ctx;
    s->put_execution(e, items, c);
  });
}

// ---- the floor: the same rows, hand-written statements prepared once, one transaction ----------------------------
struct floor_rows {
  std::int64_t exec_type = 0, types[3] = {0, 0, 0}, ctx[3] = {0, 0, 0};
};

floor_rows prepare_floor(store& s) {
  floor_rows f;
  execution e;
  std::vector<store::artifact_and_event> items;
  bench_shape::fill(e, items, 0);
  auto ctx = make_contexts(s);
  s.put_execution(e, items, ctx);  // types and contexts exist, as they would
  f.exec_type = e.type_id;
  for (int k = 0; k < 3; ++k) {
    f.types[k] = items[k].artifact.type_id;
    f.ctx[k] = ctx[k].id;
  }
  return f;
}

void floor_sqlite(benchmark::State& state) {
  auto url = fresh_sqlite("floor.sqlite");
  floor_rows f;
  {
    auto s = open_store(url);
    f = prepare_floor(*s);
  }
  sqlite3* db = nullptr;
  sqlite3_open(url.substr(7).c_str(), &db);
  sqlite3_busy_timeout(db, 5000);
  sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", nullptr, nullptr, nullptr);
  auto prep = [&](const char* sql) {
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    return st;
  };
  auto begin = prep("BEGIN IMMEDIATE"), commit = prep("COMMIT");
  auto ins_exec = prep("INSERT INTO `Execution` (`type_id`, `last_known_state`, `create_time_since_epoch`, "
                       "`last_update_time_since_epoch`) VALUES (?, 3, ?, ?)");
  auto ins_eprop = prep("INSERT INTO `ExecutionProperty` (`execution_id`, `name`, `is_custom_property`, `int_value`, "
                        "`double_value`, `string_value`, `bool_value`) VALUES (?, ?, ?, ?, ?, ?, ?)");
  auto ins_art = prep("INSERT INTO `Artifact` (`type_id`, `uri`, `state`, `create_time_since_epoch`, "
                      "`last_update_time_since_epoch`) VALUES (?, ?, 2, ?, ?)");
  auto ins_aprop = prep("INSERT INTO `ArtifactProperty` (`artifact_id`, `name`, `is_custom_property`, `string_value`) "
                        "VALUES (?, 'fingerprint', 1, 'fedcba9876543210')");
  auto ins_ev = prep("INSERT INTO `Event` (`artifact_id`, `execution_id`, `type`, `milliseconds_since_epoch`) VALUES (?, ?, ?, ?)");
  auto ins_path_k = prep("INSERT INTO `EventPath` (`event_id`, `is_index_step`, `step_key`) VALUES (?, 0, ?)");
  auto ins_path_i = prep("INSERT INTO `EventPath` (`event_id`, `is_index_step`, `step_index`) VALUES (?, 1, 0)");
  auto ins_assoc = prep("INSERT INTO `Association` (`context_id`, `execution_id`) VALUES (?, ?)");
  auto ins_attr = prep("INSERT INTO `Attribution` (`context_id`, `artifact_id`) VALUES (?, ?)");
  auto run = [](sqlite3_stmt* st) {
    sqlite3_step(st);
    sqlite3_reset(st);
  };
  struct prop { const char* name; int custom, kind; std::int64_t i; double d; const char* s; };
  const prop props[10] = {{"learning_rate", 0, 1, 0, 0.1, nullptr}, {"rounds", 0, 0, 100, 0, nullptr},
                          {"max_depth", 0, 0, 6, 0, nullptr}, {"objective", 0, 2, 0, 0, "binary:logistic"},
                          {"subsample", 0, 1, 0, 0.8, nullptr}, {"early_stop", 0, 3, 1, 0, nullptr},
                          {"auc", 1, 1, 0, 0.93, nullptr}, {"rows", 1, 0, 150, 0, nullptr},
                          {"mlpipe_cache_key", 1, 2, 0, 0, "0123456789abcdef"}, {"mlpipe_run", 1, 2, 0, 0, "run-x"}};
  const char* keys[] = {"examples", "Model", "ModelEvaluation"};
  const int evtype[] = {3, 4, 4};
  long i = 0;
  timed(state, [&] {
    ++i;
    auto now = now_ms();
    run(begin);
    sqlite3_bind_int64(ins_exec, 1, f.exec_type);
    sqlite3_bind_int64(ins_exec, 2, now);
    sqlite3_bind_int64(ins_exec, 3, now);
    run(ins_exec);
    auto eid = sqlite3_last_insert_rowid(db);
    for (auto& p : props) {
      sqlite3_bind_int64(ins_eprop, 1, eid);
      sqlite3_bind_text(ins_eprop, 2, p.name, -1, SQLITE_STATIC);
      sqlite3_bind_int(ins_eprop, 3, p.custom);
      for (int c = 4; c <= 7; ++c) sqlite3_bind_null(ins_eprop, c);
      if (p.kind == 0) sqlite3_bind_int64(ins_eprop, 4, p.i);
      if (p.kind == 1) sqlite3_bind_double(ins_eprop, 5, p.d);
      if (p.kind == 2) sqlite3_bind_text(ins_eprop, 6, p.s, -1, SQLITE_STATIC);
      if (p.kind == 3) sqlite3_bind_int64(ins_eprop, 7, p.i);
      run(ins_eprop);
    }
    for (int k = 0; k < 3; ++k) {
      auto uri = "/artifacts/demo/train/" + std::to_string(i) + "/" + keys[k];
      sqlite3_bind_int64(ins_art, 1, f.types[k]);
      sqlite3_bind_text(ins_art, 2, uri.c_str(), static_cast<int>(uri.size()), SQLITE_TRANSIENT);
      sqlite3_bind_int64(ins_art, 3, now);
      sqlite3_bind_int64(ins_art, 4, now);
      run(ins_art);
      auto aid = sqlite3_last_insert_rowid(db);
      sqlite3_bind_int64(ins_aprop, 1, aid);
      run(ins_aprop);
      sqlite3_bind_int64(ins_ev, 1, aid);
      sqlite3_bind_int64(ins_ev, 2, eid);
      sqlite3_bind_int(ins_ev, 3, evtype[k]);
      sqlite3_bind_int64(ins_ev, 4, now);
      run(ins_ev);
      auto evid = sqlite3_last_insert_rowid(db);
      sqlite3_bind_int64(ins_path_k, 1, evid);
      sqlite3_bind_text(ins_path_k, 2, keys[k], -1, SQLITE_STATIC);
      run(ins_path_k);
      sqlite3_bind_int64(ins_path_i, 1, evid);
      run(ins_path_i);
      if (evtype[k] == 4)
        for (auto c : f.ctx) {
          sqlite3_bind_int64(ins_attr, 1, c);
          sqlite3_bind_int64(ins_attr, 2, aid);
          run(ins_attr);
        }
    }
    for (auto c : f.ctx) {
      sqlite3_bind_int64(ins_assoc, 1, c);
      sqlite3_bind_int64(ins_assoc, 2, eid);
      run(ins_assoc);
    }
    run(commit);
  });
  for (auto st : {begin, commit, ins_exec, ins_eprop, ins_art, ins_aprop, ins_ev, ins_path_k, ins_path_i, ins_assoc, ins_attr})
    sqlite3_finalize(st);
  sqlite3_close(db);
}

// The MariaDB floor: the same statements through Connector/C's prepared statements (mlpipe's thin
// detail::mariadb_connection, which binds and executes and nothing more), one transaction.
void floor_mariadb(benchmark::State& state, const std::string& url) {
  floor_rows f;
  {
    auto s = open_store(url);
    f = prepare_floor(*s);
  }
  detail::mariadb_connection c(parse_store_url(url));
  using V = detail::sql_value;
  const char* keys[] = {"examples", "Model", "ModelEvaluation"};
  const std::int64_t evtype[] = {3, 4, 4};
  const std::vector<std::pair<std::string, std::vector<V>>> props = {
      {"learning_rate", {std::int64_t{0}, V{}, 0.1, V{}, V{}}}, {"rounds", {std::int64_t{0}, std::int64_t{100}, V{}, V{}, V{}}},
      {"max_depth", {std::int64_t{0}, std::int64_t{6}, V{}, V{}, V{}}},
      {"objective", {std::int64_t{0}, V{}, V{}, std::string("binary:logistic"), V{}}},
      {"subsample", {std::int64_t{0}, V{}, 0.8, V{}, V{}}}, {"early_stop", {std::int64_t{0}, V{}, V{}, V{}, std::int64_t{1}}},
      {"auc", {std::int64_t{1}, V{}, 0.93, V{}, V{}}}, {"rows", {std::int64_t{1}, std::int64_t{150}, V{}, V{}, V{}}},
      {"mlpipe_cache_key", {std::int64_t{1}, V{}, V{}, std::string("0123456789abcdef"), V{}}},
      {"mlpipe_run", {std::int64_t{1}, V{}, V{}, std::string("run-x"), V{}}}};
  long i = 0;
  timed(state, [&] {
    ++i;
    auto now = now_ms();
    c.begin(true);
    V pe[] = {f.exec_type, now, now};
    auto eid = c.exec("INSERT INTO `Execution` (`type_id`, `last_known_state`, `create_time_since_epoch`, "
                      "`last_update_time_since_epoch`) VALUES (?, 3, ?, ?)", pe).last_insert_id;
    for (auto& [name, v] : props) {
      V pp[] = {eid, name, v[0], v[1], v[2], v[3], v[4]};
      c.exec("INSERT INTO `ExecutionProperty` (`execution_id`, `name`, `is_custom_property`, `int_value`, "
             "`double_value`, `string_value`, `bool_value`) VALUES (?, ?, ?, ?, ?, ?, ?)", pp);
    }
    for (int k = 0; k < 3; ++k) {
      V pa[] = {f.types[k], "/artifacts/demo/train/" + std::to_string(i) + "/" + keys[k], now, now};
      auto aid = c.exec("INSERT INTO `Artifact` (`type_id`, `uri`, `state`, `create_time_since_epoch`, "
                        "`last_update_time_since_epoch`) VALUES (?, ?, 2, ?, ?)", pa).last_insert_id;
      V pap[] = {aid};
      c.exec("INSERT INTO `ArtifactProperty` (`artifact_id`, `name`, `is_custom_property`, `string_value`) "
             "VALUES (?, 'fingerprint', 1, 'fedcba9876543210')", pap);
      V pev[] = {aid, eid, evtype[k], now};
      auto evid = c.exec("INSERT INTO `Event` (`artifact_id`, `execution_id`, `type`, `milliseconds_since_epoch`) "
                         "VALUES (?, ?, ?, ?)", pev).last_insert_id;
      V pk[] = {evid, std::string(keys[k])};
      c.exec("INSERT INTO `EventPath` (`event_id`, `is_index_step`, `step_key`) VALUES (?, 0, ?)", pk);
      V pi[] = {evid};
      c.exec("INSERT INTO `EventPath` (`event_id`, `is_index_step`, `step_index`) VALUES (?, 1, 0)", pi);
      if (evtype[k] == 4)
        for (auto ctx : f.ctx) {
          V pt[] = {ctx, aid};
          c.exec("INSERT INTO `Attribution` (`context_id`, `artifact_id`) VALUES (?, ?)", pt);
        }
    }
    for (auto ctx : f.ctx) {
      V ps[] = {ctx, eid};
      c.exec("INSERT INTO `Association` (`context_id`, `execution_id`) VALUES (?, ?)", ps);
    }
    c.commit();
  });
}

void lineage_10k(benchmark::State& state) {
  const char* env = std::getenv("MLPIPE_BENCH_LINEAGE_STORE");
  auto file = env ? fs::path(env) : bench_dir() / "lineage-10k.sqlite";
  const long runs = 10000;
  {
    bool ready = false;
    if (fs::exists(file)) {
      auto s = open_sqlite_store(file);
      ready = s->get_contexts_by_type("pipeline_run").size() >= static_cast<std::size_t>(runs);
    }
    if (!ready) {
      for (auto ext : {"", "-wal", "-shm"}) fs::remove(file.string() + ext);
      auto s = open_sqlite_store(file);
      bench_store::fill(*s, bench_dir() / "artifacts", runs);
    }
  }
  auto s = open_sqlite_store(file);
  // the newest model: what `mlpipe lineage <model uri>` walks back from (6 executions, back to the input files)
  auto model = s->get_artifacts_by_type("Model", 1).at(0);
  std::size_t steps = 0;
  timed(state, [&] {
    auto l = lineage(*s, model.uri);
    steps = l["steps"].size();
  });
  state.counters["steps"] = static_cast<double>(steps);
  state.counters["runs"] = static_cast<double>(runs);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::RegisterBenchmark("record_execution/sqlite/mlpipe_store",
                               [](benchmark::State& st) { record_with_store(st, fresh_sqlite("store.sqlite")); })
      ->Iterations(2000)->Unit(benchmark::kMicrosecond);
  benchmark::RegisterBenchmark("record_execution/sqlite/floor_prepared_statements", floor_sqlite)
      ->Iterations(2000)->Unit(benchmark::kMicrosecond);
  if (std::getenv("MLPIPE_BENCH_MARIADB_URL")) {
    benchmark::RegisterBenchmark("record_execution/mariadb/mlpipe_store",
                                 [](benchmark::State& st) { record_with_store(st, fresh_mariadb("mlpipe_bench_store")); })
        ->Iterations(500)->Unit(benchmark::kMicrosecond);
    benchmark::RegisterBenchmark("record_execution/mariadb/floor_prepared_statements",
                                 [](benchmark::State& st) { floor_mariadb(st, fresh_mariadb("mlpipe_bench_floor")); })
        ->Iterations(500)->Unit(benchmark::kMicrosecond);
  }
  benchmark::RegisterBenchmark("lineage/sqlite/10000_runs", lineage_10k)->Iterations(200)->Unit(benchmark::kMillisecond);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
