// mlpipe/metadata/sqlite.hpp: the SQLite backend of the metadata store (a file, WAL, busy timeout + retries).
// Several processes may share one file; each write transaction is BEGIN IMMEDIATE, so writers queue, not deadlock.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
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
  /// `read_only`: the file must exist (a mistyped path is an error, not a new empty store) and is opened with
  /// SQLite's mode=ro; on a read-only filesystem, where SQLite cannot create the WAL's shared-memory file, with
  /// immutable=1 (no locks: the store is read as it is on disk).
  explicit sqlite_connection(std::filesystem::path file, int busy_timeout_ms = 5000, bool read_only = false);
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

  void open_read_only() {
    std::string uri = "file:";
    for (char c : file_.string()) {  // a URI: '?', '#' and '%' in the path are escaped
      if (c == '?' || c == '#' || c == '%') {
        char hex[4];
        std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
        uri += hex;
      } else {
        uri += c;
      }
    }
    std::string why;
    for (const char* mode : {"?mode=ro", "?mode=ro&immutable=1"}) {
      int rc = sqlite3_open_v2((uri + mode).c_str(), &db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                               nullptr);
      if (rc == SQLITE_OK) {
        sqlite3_busy_handler(db_, &sqlite_connection::on_busy, this);
        sqlite3_extended_result_codes(db_, 1);
        // the first read opens the WAL: where that fails (a read-only filesystem), try the next mode
        rc = sqlite3_exec(db_, "SELECT count(*) FROM sqlite_master", nullptr, nullptr, nullptr);
        if (rc == SQLITE_OK) return;
      }
      why = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
    }
    throw store_error("sqlite:" + file_.string() + ": cannot open for reading: " + why);
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

/// Opens the existing SQLite store in `file` for reading only (reports): never creates a file or tables, and
/// reads a store on a read-only filesystem.
inline std::unique_ptr<store> open_sqlite_store_read_only(const std::filesystem::path& file) {
  return std::make_unique<store>(std::make_unique<detail::sqlite_connection>(file, 5000, true), store::read_only);
}

}  // namespace mlpipe::metadata

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/sqlite.ipp>
#endif
