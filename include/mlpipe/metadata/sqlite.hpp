// mlpipe/metadata/sqlite.hpp: the SQLite backend of the metadata store (a file, WAL, busy timeout + retries).
// Several processes may share one file; each write transaction is BEGIN IMMEDIATE, so writers queue, not deadlock.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <random>
#include <thread>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/metadata/detail/sql.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

namespace detail {

class sqlite_connection final : public sql_connection {
 public:
  explicit sqlite_connection(std::filesystem::path file, int busy_timeout_ms = 5000);
  ~sqlite_connection() override;
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  metadata::dialect dialect() const noexcept override { return dialect::sqlite; }
  std::string describe() const override;

  std::vector<sql_row> query(std::string_view sql, std::span<const sql_value> params) override;

  exec_result exec(std::string_view sql, std::span<const sql_value> params) override;

  void exec_direct(std::string_view sql) override { exec(sql, {}); }
  void begin(bool write) override { exec_direct(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { exec_direct("COMMIT"); }
  void rollback() noexcept override;

  sqlite3* handle() noexcept { return db_; }

 private:
  sqlite3_stmt* prepare(std::string_view sql, std::span<const sql_value> params);

  // Waits for a busy database in short random sleeps (SQLite's own handler sleeps up to 100 ms at a time,
  // which leaves the file idle while several processes queue for it), up to the busy timeout.
  static int on_busy(void* self, int count);

  [[noreturn]] void fail(int rc, std::string_view sql) {
    std::string msg = describe() + ": " + sqlite3_errmsg(db_) + " (in: " + std::string(sql.substr(0, 120)) + ")";
    int primary = rc & 0xff;
    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) throw retryable_error(msg);
    if (primary == SQLITE_CONSTRAINT) throw constraint_error(msg);
    throw store_error(msg);
  }

  std::filesystem::path file_;
  sqlite3* db_ = nullptr;
  std::unordered_map<std::string, sqlite3_stmt*> cache_;
  int busy_timeout_ms_ = 5000;
  std::chrono::steady_clock::time_point busy_since_;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace detail

/// Opens (creating when new) the SQLite store in `file`.
MLPIPE_DECL std::unique_ptr<store> open_sqlite_store(const std::filesystem::path& file);

}  // namespace mlpipe::metadata

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/sqlite.ipp>
#endif
