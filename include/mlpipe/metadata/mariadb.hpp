// mlpipe/metadata/mariadb.hpp: the MariaDB/MySQL backend of the metadata store, through MariaDB Connector/C.
// InnoDB tables, server-side prepared statements, reconnect on a dropped connection, clear login/reach errors.
#pragma once

#include <mysql.h>
#include <errmsg.h>

#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/metadata/detail/sql.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

/// The server could not be reached (not running, wrong host or port, network).
class unreachable_error : public store_error {
 public:
  using store_error::store_error;
};
/// The server refused the user name or password (or the user may not use the database).
class login_error : public store_error {
 public:
  using store_error::store_error;
};

namespace detail {

MLPIPE_DECL bool mysql_connection_lost(unsigned e);

class mariadb_connection final : public sql_connection {
 public:
  explicit mariadb_connection(store_url url) : url_(std::move(url)) { connect(); }
  ~mariadb_connection() override { close(); }
  mariadb_connection(const mariadb_connection&) = delete;
  mariadb_connection& operator=(const mariadb_connection&) = delete;

  metadata::dialect dialect() const noexcept override { return dialect::mysql; }
  std::string describe() const override;

  std::vector<sql_row> query(std::string_view sql, std::span<const sql_value> params) override;
  exec_result exec(std::string_view sql, std::span<const sql_value> params) override;
  void exec_direct(std::string_view sql) override;
  void begin(bool) override;
  void commit() override;
  void rollback() noexcept override;
  void recover() override;

  MYSQL* handle() noexcept { return db_; }

 private:
  struct stmt_entry {
    MYSQL_STMT* stmt = nullptr;
    unsigned long param_count = 0;
  };

  void connect();

  void close() noexcept;

  void reconnect_or_throw();

  [[noreturn]] void fail(unsigned e, const char* msg, std::string_view sql) {
    std::string m = describe() + ": " + msg + " (error " + std::to_string(e) + ", in: " + std::string(sql.substr(0, 120)) + ")";
    if (mysql_connection_lost(e)) {
      close();
      throw retryable_error(m + " [connection lost]");
    }
    if (e == 1213 || e == 1205) throw retryable_error(m);  // deadlock, lock wait timeout
    if (e == 1062 || e == 1586) throw constraint_error(m);
    throw store_error(m);
  }

  stmt_entry& prepare(std::string_view sql);

  std::vector<sql_row> run(std::string_view sql, std::span<const sql_value> params, exec_result* result);

  std::vector<sql_row> run_once(std::string_view sql, std::span<const sql_value> params, exec_result* result);

  store_url url_;
  MYSQL* db_ = nullptr;
  bool in_tx_ = false;
  std::unordered_map<std::string, stmt_entry> cache_;
};

}  // namespace detail

/// Opens the MariaDB/MySQL store named by `mariadb://user:password@host:port/database`, creating the ML Metadata
/// tables when the database has none. Throws login_error, unreachable_error or store_error.
MLPIPE_DECL std::unique_ptr<store> open_mariadb_store(std::string_view url);

}  // namespace mlpipe::metadata

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/mariadb.ipp>
#endif
