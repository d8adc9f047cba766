// mlpipe/metadata/impl/mariadb.ipp: bodies of metadata/mariadb.hpp's non-template functions (compiled once into the
// mlpipe::mariadb component library by src/components/mariadb.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/metadata/mariadb.hpp>

namespace mlpipe::metadata {

MLPIPE_DECL bool detail::mysql_connection_lost(unsigned e) {
  return e == CR_SERVER_GONE_ERROR || e == CR_SERVER_LOST || e == CR_CONN_HOST_ERROR || e == CR_CONNECTION_ERROR ||
         e == 1927 /* ER_CONNECTION_KILLED */ || e == 4031 /* client idle timeout */;
}

MLPIPE_DECL std::string detail::mariadb_connection::describe() const {
  return "mariadb://" + url_.user + "@" + url_.host + ":" + std::to_string(url_.port) + "/" + url_.database;
}

MLPIPE_DECL std::vector<detail::sql_row> detail::mariadb_connection::query(std::string_view sql, std::span<const sql_value> params) {
  return run(sql, params, nullptr);
}

MLPIPE_DECL detail::exec_result detail::mariadb_connection::exec(std::string_view sql, std::span<const sql_value> params) {
  exec_result r;
  run(sql, params, &r);
  return r;
}

MLPIPE_DECL void detail::mariadb_connection::exec_direct(std::string_view sql) {
  if (!db_) reconnect_or_throw();
  if (mysql_real_query(db_, sql.data(), static_cast<unsigned long>(sql.size())) != 0) fail(mysql_errno(db_), mysql_error(db_), sql);
  if (MYSQL_RES* res = mysql_store_result(db_)) mysql_free_result(res);
}

MLPIPE_DECL void detail::mariadb_connection::begin(bool) {
  in_tx_ = false;
  exec_direct("START TRANSACTION");
  in_tx_ = true;
}

MLPIPE_DECL void detail::mariadb_connection::commit() {
  exec_direct("COMMIT");
  in_tx_ = false;
}

MLPIPE_DECL void detail::mariadb_connection::rollback() noexcept {
  if (db_ && in_tx_) mysql_real_query(db_, "ROLLBACK", 8);
  in_tx_ = false;
}

MLPIPE_DECL void detail::mariadb_connection::recover() {
  if (!db_ || mysql_ping(db_) != 0) {
    close();
    connect();
  }
}

MLPIPE_DECL void detail::mariadb_connection::connect() {
  db_ = mysql_init(nullptr);
  if (!db_) throw store_error(describe() + ": out of memory");
  unsigned timeout = 5;
  mysql_optionsv(db_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  mysql_optionsv(db_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(db_, url_.host.c_str(), url_.user.c_str(), url_.password.c_str(), url_.database.c_str(),
                          url_.port, nullptr, 0)) {
    unsigned e = mysql_errno(db_);
    std::string msg = mysql_error(db_);
    mysql_close(db_);
    db_ = nullptr;
    auto where = url_.host + ":" + std::to_string(url_.port);
    if (e == 1045 || e == 1044 || e == 1698)
      throw login_error(describe() + ": the server at " + where + " refused the login of user '" + url_.user +
                        "' (" + msg + ")");
    if (e == 1049)
      throw store_error(describe() + ": the server at " + where + " has no database '" + url_.database + "' (" + msg + ")");
    if (e >= 2000 && e < 3000)
      throw unreachable_error(describe() + ": cannot reach a MariaDB server at " + where + " (" + msg + ")");
    throw store_error(describe() + ": cannot connect: " + msg);
  }
  exec_direct("SET SESSION sql_mode = CONCAT(@@sql_mode, ',STRICT_ALL_TABLES')");
  exec_direct("SET SESSION default_storage_engine = InnoDB");
}

MLPIPE_DECL void detail::mariadb_connection::close() noexcept {
  for (auto& [k, s] : cache_) mysql_stmt_close(s.stmt);
  cache_.clear();
  if (db_) mysql_close(db_);
  db_ = nullptr;  // in_tx_ stays set: the transaction is lost, and only rollback() clears that
}

MLPIPE_DECL void detail::mariadb_connection::reconnect_or_throw() {
  // Outside a transaction a lost connection is simply reopened; inside one the transaction is lost, so the
  // store's retry loop must run it again (retryable_error).
  close();
  connect();
}

MLPIPE_DECL detail::mariadb_connection::stmt_entry& detail::mariadb_connection::prepare(std::string_view sql) {
  if (!db_) {
    if (in_tx_) throw retryable_error(describe() + ": connection lost during a transaction");
    reconnect_or_throw();
  }
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end()) return it->second;
  MYSQL_STMT* st = mysql_stmt_init(db_);
  if (!st) fail(mysql_errno(db_), mysql_error(db_), sql);
  if (mysql_stmt_prepare(st, key.data(), static_cast<unsigned long>(key.size())) != 0) {
    unsigned e = mysql_stmt_errno(st);
    std::string msg = mysql_stmt_error(st);
    mysql_stmt_close(st);
    fail(e, msg.c_str(), sql);
  }
  stmt_entry entry{st, mysql_stmt_param_count(st)};
  return cache_.emplace(std::move(key), entry).first->second;
}

MLPIPE_DECL std::vector<detail::sql_row> detail::mariadb_connection::run(std::string_view sql, std::span<const sql_value> params, exec_result* result) {
  for (int attempt = 0;; ++attempt) {
    try {
      return run_once(sql, params, result);
    } catch (const retryable_error&) {
      // A dropped connection outside a transaction: reconnect once and run the statement again.
      if (in_tx_ || attempt > 0 || db_) throw;
      reconnect_or_throw();
    }
  }
}

MLPIPE_DECL std::vector<detail::sql_row> detail::mariadb_connection::run_once(std::string_view sql, std::span<const sql_value> params, exec_result* result) {
  auto& entry = prepare(sql);
  MYSQL_STMT* st = entry.stmt;
  if (params.size() != entry.param_count)
    throw store_error(describe() + ": statement expects " + std::to_string(entry.param_count) + " parameters, got " +
                      std::to_string(params.size()));
  std::vector<MYSQL_BIND> binds(params.size());
  std::vector<std::int64_t> ints(params.size());
  std::vector<double> dbls(params.size());
  std::vector<unsigned long> lens(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    auto& b = binds[i];
    std::memset(&b, 0, sizeof b);
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            b.buffer_type = MYSQL_TYPE_NULL;
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            ints[i] = v;
            b.buffer_type = MYSQL_TYPE_LONGLONG;
            b.buffer = &ints[i];
          } else if constexpr (std::is_same_v<T, double>) {
            dbls[i] = v;
            b.buffer_type = MYSQL_TYPE_DOUBLE;
            b.buffer = &dbls[i];
          } else {
            lens[i] = static_cast<unsigned long>(v.size());
            b.buffer_type = MYSQL_TYPE_STRING;
            b.buffer = const_cast<char*>(v.data());
            b.buffer_length = lens[i];
            b.length = &lens[i];
          }
        },
        params[i]);
  }
  if (!binds.empty() && mysql_stmt_bind_param(st, binds.data())) fail(mysql_stmt_errno(st), mysql_stmt_error(st), sql);
  if (mysql_stmt_execute(st)) fail(mysql_stmt_errno(st), mysql_stmt_error(st), sql);
  std::vector<sql_row> rows;
  MYSQL_RES* meta = mysql_stmt_result_metadata(st);
  if (!meta) {
    if (result) {
      result->last_insert_id = static_cast<std::int64_t>(mysql_stmt_insert_id(st));
      result->affected_rows = static_cast<std::int64_t>(mysql_stmt_affected_rows(st));
    }
    return rows;
  }
  unsigned n = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<MYSQL_BIND> out(n);
  std::vector<std::int64_t> oi(n);
  std::vector<double> od(n);
  std::vector<unsigned long> olen(n);
  std::vector<my_bool> onull(n), oerr(n);
  std::vector<int> kind(n);  // 0 int, 1 double, 2 string
  for (unsigned i = 0; i < n; ++i) {
    auto& b = out[i];
    std::memset(&b, 0, sizeof b);
    switch (fields[i].type) {
      case MYSQL_TYPE_TINY: case MYSQL_TYPE_SHORT: case MYSQL_TYPE_LONG: case MYSQL_TYPE_INT24:
      case MYSQL_TYPE_LONGLONG: case MYSQL_TYPE_YEAR:
        kind[i] = 0;
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &oi[i];
        break;
      case MYSQL_TYPE_FLOAT: case MYSQL_TYPE_DOUBLE:
        kind[i] = 1;
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &od[i];
        break;
      default:
        kind[i] = 2;
        b.buffer_type = MYSQL_TYPE_STRING;
        b.buffer = nullptr;
        b.buffer_length = 0;
        break;
    }
    b.length = &olen[i];
    b.is_null = &onull[i];
    b.error = &oerr[i];
  }
  mysql_free_result(meta);
  if (mysql_stmt_bind_result(st, out.data())) fail(mysql_stmt_errno(st), mysql_stmt_error(st), sql);
  if (mysql_stmt_store_result(st)) fail(mysql_stmt_errno(st), mysql_stmt_error(st), sql);
  for (;;) {
    int rc = mysql_stmt_fetch(st);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) {
      unsigned e = mysql_stmt_errno(st);
      std::string m = mysql_stmt_error(st);
      mysql_stmt_free_result(st);
      fail(e, m.c_str(), sql);
    }
    sql_row r(n);
    for (unsigned i = 0; i < n; ++i) {
      if (onull[i]) continue;
      if (kind[i] == 0) r[i] = oi[i];
      else if (kind[i] == 1) r[i] = od[i];
      else {
        std::string s(olen[i], '\0');
        if (olen[i] > 0) {
          MYSQL_BIND fb;
          std::memset(&fb, 0, sizeof fb);
          unsigned long got = 0;
          fb.buffer_type = MYSQL_TYPE_STRING;
          fb.buffer = s.data();
          fb.buffer_length = olen[i];
          fb.length = &got;
          if (mysql_stmt_fetch_column(st, &fb, i, 0)) fail(mysql_stmt_errno(st), mysql_stmt_error(st), sql);
        }
        r[i] = std::move(s);
      }
    }
    rows.push_back(std::move(r));
  }
  mysql_stmt_free_result(st);
  return rows;
}

MLPIPE_DECL std::unique_ptr<store> open_mariadb_store(std::string_view url) {
  auto u = parse_store_url(url);
  if (u.kind != dialect::mysql) throw store_error("'" + std::string(url) + "' is not a mariadb:// URL");
  return std::make_unique<store>(std::make_unique<detail::mariadb_connection>(std::move(u)));
}

}  // namespace mlpipe::metadata
