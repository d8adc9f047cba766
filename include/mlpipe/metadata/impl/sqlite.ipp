// mlpipe/metadata/impl/sqlite.ipp: bodies of metadata/sqlite.hpp's non-template functions (compiled once into the
// mlpipe::sqlite component library by src/components/sqlite.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <chrono>
#include <mlpipe/metadata/sqlite.hpp>

namespace mlpipe::metadata {

MLPIPE_DECL detail::sqlite_connection::sqlite_connection(std::filesystem::path file, int busy_timeout_ms, bool read_only) : file_(std::move(file)) {
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

MLPIPE_DECL detail::sqlite_connection::~sqlite_connection() {
  for (auto& [k, s] : cache_) sqlite3_finalize(s);
  if (db_) sqlite3_close_v2(db_);
}

MLPIPE_DECL std::string detail::sqlite_connection::describe() const { return "sqlite:" + file_.string(); }

MLPIPE_DECL std::vector<detail::sql_row> detail::sqlite_connection::query(std::string_view sql, std::span<const sql_value> params) {
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

MLPIPE_DECL detail::exec_result detail::sqlite_connection::exec(std::string_view sql, std::span<const sql_value> params) {
  auto* st = prepare(sql, params);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
  }
  sqlite3_reset(st);
  if (rc != SQLITE_DONE) fail(rc, sql);
  return {sqlite3_last_insert_rowid(db_), sqlite3_changes(db_)};
}

MLPIPE_DECL void detail::sqlite_connection::rollback() noexcept {
  if (sqlite3_get_autocommit(db_)) return;
  char* err = nullptr;
  sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, &err);
  sqlite3_free(err);
}

MLPIPE_DECL sqlite3_stmt* detail::sqlite_connection::prepare(std::string_view sql, std::span<const sql_value> params) {
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

MLPIPE_DECL int detail::sqlite_connection::on_busy(void* self, int count) {
  auto* c = static_cast<sqlite_connection*>(self);
  auto now = std::chrono::steady_clock::now();
  if (count == 0) c->busy_since_ = now;
  if (now - c->busy_since_ > std::chrono::milliseconds(c->busy_timeout_ms_)) return 0;
  unsigned cap = 50u << std::min(count, 5);  // 50 us .. 1.6 ms
  std::this_thread::sleep_for(std::chrono::microseconds(20 + c->rng_() % cap));
  return 1;
}

MLPIPE_DECL std::unique_ptr<store> open_sqlite_store(const std::filesystem::path& file) {
  return std::make_unique<store>(std::make_unique<detail::sqlite_connection>(file));
}

}  // namespace mlpipe::metadata
