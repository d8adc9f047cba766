// mlpipe/metadata/detail/sql.hpp: the small SQL layer each backend implements (prepared statements only).
// The store is written once over it; SQLite and MariaDB differ only below this line.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mlpipe/metadata/schema.hpp>
#include <mlpipe/metadata/types.hpp>

namespace mlpipe::metadata::detail {

/// A bound parameter or a result cell. Booleans are bound as integers (both backends store them so).
using sql_value = std::variant<std::monostate, std::int64_t, double, std::string>;
using sql_row = std::vector<sql_value>;

struct exec_result {
  std::int64_t last_insert_id = 0;
  std::int64_t affected_rows = 0;
};

/// One connection. Statements are prepared once per SQL text and cached; parameters are always bound,
/// never spliced into the text. Errors: retryable_error (busy, deadlock, connection lost) or store_error.
class sql_connection {
 public:
  virtual ~sql_connection() = default;
  virtual metadata::dialect dialect() const noexcept = 0;
  /// Where the store lives, for messages ("sqlite:/x/y.db", "mariadb://user@host:port/db").
  virtual std::string describe() const = 0;
  /// Runs a query and returns every row (collected first, so callers may run other statements while using them).
  virtual std::vector<sql_row> query(std::string_view sql, std::span<const sql_value> params) = 0;
  virtual exec_result exec(std::string_view sql, std::span<const sql_value> params) = 0;
  /// A statement without parameters (schema creation, transaction control).
  virtual void exec_direct(std::string_view sql) = 0;
  virtual void begin(bool write) = 0;
  virtual void commit() = 0;
  virtual void rollback() noexcept = 0;
  /// After a retryable_error: make the connection usable again (reconnect when it was lost).
  virtual void recover() {}
};

inline std::int64_t as_int(const sql_value& v) {
  if (auto p = std::get_if<std::int64_t>(&v)) return *p;
  if (auto d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  if (auto s = std::get_if<std::string>(&v)) return std::strtoll(s->c_str(), nullptr, 10);
  return 0;
}
inline std::string as_string(const sql_value& v) {
  if (auto s = std::get_if<std::string>(&v)) return *s;
  if (auto p = std::get_if<std::int64_t>(&v)) return std::to_string(*p);
  if (auto d = std::get_if<double>(&v)) return to_text(value{*d});
  return {};
}
inline bool is_null(const sql_value& v) { return std::holds_alternative<std::monostate>(v); }

}  // namespace mlpipe::metadata::detail
