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

#include <mlpipe/metadata/detail/sql.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

namespace detail {

class sqlite_connection final : public sql_connection {
 public:
  /// `read_only`: the file must exist (a mistyped path is an error, not a new empty store) and is opened with
  /// SQLite's mode=ro; on a read-only filesystem, where SQLite cannot create the WAL's shared-memory file, with
  /// immutable=1 (no locks: the store is read as it is on disk).
  explicit sqlite_connection(std::filesystem::path file, int busy_timeout_ms = 5000, bool read_only = false)
      : file_(std::move(file)) {
    if (file_.has_parent_path() && !std::filesystem::exists(file_.parent_path()))
      throw store_error("sqlite:" + file_.string() + ": the folder " + file_.parent_path().string() + " does not exist");
    busy_timeout_ms_ = busy_timeout_ms;
    if (read_only) {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(file_, ec))
        throw store_error("sqlite:" + file_.string() + ": no such store (reading never creates one: is the path right?)");
      open_read_only();
      return;
    }
    int rc = sqlite3_open_v2(file_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             nullptr);
    if (rc != SQLITE_OK) {
      std::string msg = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
      sqlite3_close(db_);
      db_ = nullptr;
      throw store_error("sqlite:" + file_.string() + ": cannot open: " + msg);
    }
    sqlite3_busy_handler(db_, &sqlite_connection::on_busy, this);
    sqlite3_extended_result_codes(db_, 1);
    // WAL: readers never block the writer; synchronous=NORMAL keeps every commit across a process crash.
    for (int attempt = 0;; ++attempt) {
      try {
        auto rows = query("PRAGMA journal_mode=WAL", {});
        if (rows.empty() || as_string(rows[0][0]) != "wal")
          throw store_error("sqlite:" + file_.string() + ": cannot switch to WAL mode");
        break;
      } catch (const retryable_error&) {
        if (attempt > 50) throw;
      }
    }
    exec_direct("PRAGMA synchronous=NORMAL");
    exec_direct("PRAGMA foreign_keys=OFF");
  }
  ~sqlite_connection() override {
    for (auto& [k, s] : cache_) sqlite3_finalize(s);
    if (db_) sqlite3_close_v2(db_);
  }
  sqlite_connection(const sqlite_connection&) = delete;
  sqlite_connection& operator=(const sqlite_connection&) = delete;

  metadata::dialect dialect() const noexcept override { return dialect::sqlite; }
  std::string describe() const override { return "sqlite:" + file_.string(); }

  std::vector<sql_row> query(std::string_view sql, std::span<const sql_value> params) override {
    auto* st = prepare(sql, params);
    std::vector<sql_row> rows;
    for (;;) {
      int rc = sqlite3_step(st);
      if (rc == SQLITE_ROW) {
        int n = sqlite3_column_count(st);
        sql_row r(static_cast<std::size_t>(n));
        for (int i = 0; i < n; ++i) {
          switch (sqlite3_column_type(st, i)) {
            case SQLITE_INTEGER: r[static_cast<std::size_t>(i)] = static_cast<std::int64_t>(sqlite3_column_int64(st, i)); break;
            case SQLITE_FLOAT: r[static_cast<std::size_t>(i)] = sqlite3_column_double(st, i); break;
            case SQLITE_NULL: break;
            default: {
              auto p = reinterpret_cast<const char*>(sqlite3_column_text(st, i));
              r[static_cast<std::size_t>(i)] = std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, i)));
            }
          }
        }
        rows.push_back(std::move(r));
      } else if (rc == SQLITE_DONE) {
        sqlite3_reset(st);
        return rows;
      } else {
        sqlite3_reset(st);
        fail(rc, sql);
      }
    }
  }

  exec_result exec(std::string_view sql, std::span<const sql_value> params) override {
    auto* st = prepare(sql, params);
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    }
    sqlite3_reset(st);
    if (rc != SQLITE_DONE) fail(rc, sql);
    return {sqlite3_last_insert_rowid(db_), sqlite3_changes(db_)};
  }

  void exec_direct(std::string_view sql) override { exec(sql, {}); }
  void begin(bool write) override { exec_direct(write ? "BEGIN IMMEDIATE" : "BEGIN"); }
  void commit() override { exec_direct("COMMIT"); }
  void rollback() noexcept override {
    if (sqlite3_get_autocommit(db_)) return;
    char* err = nullptr;
    sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);
    sqlite3_free(err);
  }

  sqlite3* handle() noexcept { return db_; }

 private:
  sqlite3_stmt* prepare(std::string_view sql, std::span<const sql_value> params) {
    std::string key(sql);
    auto it = cache_.find(key);
    sqlite3_stmt* st = nullptr;
    if (it == cache_.end()) {
      int rc = sqlite3_prepare_v3(db_, key.data(), static_cast<int>(key.size()), SQLITE_PREPARE_PERSISTENT, &st, nullptr);
      if (rc != SQLITE_OK) fail(rc, sql);
      cache_.emplace(std::move(key), st);
    } else {
      st = it->second;
    }
    sqlite3_clear_bindings(st);
    for (std::size_t i = 0; i < params.size(); ++i) {
      int idx = static_cast<int>(i + 1);
      int rc = SQLITE_OK;
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) rc = sqlite3_bind_null(st, idx);
            else if constexpr (std::is_same_v<T, std::int64_t>) rc = sqlite3_bind_int64(st, idx, v);
            else if constexpr (std::is_same_v<T, double>) rc = sqlite3_bind_double(st, idx, v);
            else rc = sqlite3_bind_text64(st, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          },
          params[i]);
      if (rc != SQLITE_OK) fail(rc, sql);
    }
    return st;
  }

  // Waits for a busy database in short random sleeps (SQLite's own handler sleeps up to 100 ms at a time,
  // which leaves the file idle while several processes queue for it), up to the busy timeout.
  static int on_busy(void* self, int count) {
    auto* c = static_cast<sqlite_connection*>(self);
    auto now = std::chrono::steady_clock::now();
    if (count == 0) c->busy_since_ = now;
    if (now - c->busy_since_ > std::chrono::milliseconds(c->busy_timeout_ms_)) return 0;
    unsigned cap = 50u << std::min(count, 5);  // 50 us .. 1.6 ms
    std::this_thread::sleep_for(std::chrono::microseconds(20 + c->rng_() % cap));
    return 1;
  }

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
inline std::unique_ptr<store> open_sqlite_store(const std::filesystem::path& file) {
  return std::make_unique<store>(std::make_unique<detail::sqlite_connection>(file));
}

/// Opens the existing SQLite store in `file` for reading only (reports): never creates a file or tables, and
/// reads a store on a read-only filesystem.
inline std::unique_ptr<store> open_sqlite_store_read_only(const std::filesystem::path& file) {
  return std::make_unique<store>(std::make_unique<detail::sqlite_connection>(file, 5000, true), store::read_only);
}

}  // namespace mlpipe::metadata
