// mlpipe/metadata/store.hpp: the metadata store — ML Metadata's data model over one SQL connection.
// Types, artifacts, executions, contexts, events, associations and attributions; one transaction per call.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/metadata/detail/sql.hpp>
#include <mlpipe/metadata/schema.hpp>
#include <mlpipe/metadata/types.hpp>

namespace mlpipe::metadata {

/// A unique constraint was violated (a duplicate name, event, ...).
class constraint_error : public store_error {
 public:
  using store_error::store_error;
};

/// `sqlite:PATH` or `mariadb://user:password@host:port/database` taken apart.
struct store_url {
  metadata::dialect kind = metadata::dialect::sqlite;
  std::string path;                           // sqlite
  std::string user, password, host, database; // mariadb
  unsigned port = 3306;
};

namespace detail {
MLPIPE_DECL std::string url_decode(std::string_view s, std::string_view url);
}  // namespace detail

/// Parses a store URL. Percent-escapes (%40 for '@', %3A for ':') are allowed in user and password.
MLPIPE_DECL store_url parse_store_url(std::string_view url);

/// The store the `mlpipe` command uses when --store is not given: $MLPIPE_STORE, else a SQLite file in the
/// working directory.
MLPIPE_DECL std::string default_store_url();

namespace detail {
MLPIPE_DECL std::string in_list(std::size_t n);
// Runs `fn(sql_suffix_params)` over ids in chunks whose sizes are powers of two (so few distinct statements
// are prepared); a chunk is padded by repeating its last id, which IN() ignores.
template <class F>
void for_id_chunks(std::span<const std::int64_t> ids, F&& fn) {
  std::size_t i = 0;
  while (i < ids.size()) {
    std::size_t n = std::min<std::size_t>(256, ids.size() - i);
    std::size_t b = 1;
    while (b < n) b <<= 1;
    std::vector<sql_value> p;
    p.reserve(b);
    for (std::size_t k = 0; k < b; ++k) p.emplace_back(ids[i + std::min(k, n - 1)]);
    fn(b, std::span<const sql_value>(p));
    i += n;
  }
}
MLPIPE_DECL sql_value opt(const std::optional<std::string>& s);
}  // namespace detail

/// The metadata store. Not thread-safe: one store per thread (processes may share one database).
class store {
 public:
  explicit store(std::unique_ptr<detail::sql_connection> conn) : conn_(std::move(conn)) { init_schema(false); }
  /// A store that is only read (reports): an empty database is refused instead of given tables.
  struct read_only_t {};
  static constexpr read_only_t read_only{};
  store(std::unique_ptr<detail::sql_connection> conn, read_only_t) : conn_(std::move(conn)) { init_schema(true); }

  metadata::dialect dialect() const noexcept { return conn_->dialect(); }
  std::string describe() const { return conn_->describe(); }
  detail::sql_connection& connection() noexcept { return *conn_; }

  /// Runs f in one write transaction, retried (with backoff) on busy databases, deadlocks and dropped
  /// connections. Nested calls join the outer transaction.
  template <class F>
  decltype(auto) transaction(F&& f) {
    if (depth_ > 0) return f();
    for (int attempt = 0;; ++attempt) {
      try {
        conn_->begin(true);
        depth_ = 1;
        if constexpr (std::is_void_v<std::invoke_result_t<F&>>) {
          f();
          depth_ = 0;
          conn_->commit();
          return;
        } else {
          auto r = f();
          depth_ = 0;
          conn_->commit();
          return r;
        }
      } catch (const retryable_error& e) {
        depth_ = 0;
        conn_->rollback();
        clear_caches();
        if (attempt + 1 >= max_attempts)
          throw store_error(describe() + ": gave up after " + std::to_string(max_attempts) + " attempts: " + e.what());
        backoff(attempt);
        conn_->recover();
      } catch (...) {
        depth_ = 0;
        conn_->rollback();
        clear_caches();
        throw;
      }
    }
  }

  /// Runs a read, retried on transient failures.
  template <class F>
  decltype(auto) read(F&& f) {
    if (depth_ > 0) return f();
    for (int attempt = 0;; ++attempt) {
      try {
        return f();
      } catch (const retryable_error& e) {
        if (attempt + 1 >= max_attempts)
          throw store_error(describe() + ": gave up after " + std::to_string(max_attempts) + " attempts: " + e.what());
        backoff(attempt);
        conn_->recover();
      }
    }
  }

  int max_attempts = 50;

  // ---- types ------------------------------------------------------------------------------------------------
  /// The id of the type (registering it, and any property it does not declare yet).
  std::int64_t put_type(type_kind kind, std::string_view name,
                        const std::map<std::string, property_type, std::less<>>& props = {});

  std::optional<std::int64_t> find_type(type_kind kind, std::string_view name);

  /// The properties a type declares (`TypeProperty`).
  std::map<std::string, property_type, std::less<>> type_properties(std::int64_t type_id);

  // ---- writes ------------------------------------------------------------------------------------------------
  /// Inserts (id == 0) or updates an artifact and its properties; declared properties are added to its type.
  std::int64_t put_artifact(artifact& a);

  std::int64_t put_execution(execution& e);

  std::int64_t put_context(context& c);

  /// The context of that type and name, created (with `c`'s properties) when it does not exist yet.
  context ensure_context(context c);

  std::int64_t put_event(event& ev);

  void put_association(std::int64_t context_id, std::int64_t execution_id);
  void put_attribution(std::int64_t context_id, std::int64_t artifact_id);
  void put_parent_context(std::int64_t context_id, std::int64_t parent_context_id);

  /// An artifact with the event linking it to the execution (ML Metadata's ArtifactAndEvent).
  struct artifact_and_event {
    metadata::artifact artifact;
    std::optional<metadata::event> event;
  };

  /// ML Metadata's PutExecution: the execution, its artifacts and events, its contexts (created when new)
  /// with associations and attributions — all in one transaction.
  std::int64_t put_execution(execution& e, std::span<artifact_and_event> items, std::span<context> contexts);

  static bool is_output(event_type t) {
    return t == event_type::output || t == event_type::declared_output || t == event_type::internal_output ||
           t == event_type::pending_output;
  }

  /// Sets an artifact's state (and last update time) without rewriting its properties.
  void set_artifact_state(std::int64_t id, artifact_state s);

  // ---- reads -------------------------------------------------------------------------------------------------
  std::vector<artifact> get_artifacts(std::span<const std::int64_t> ids);
  std::optional<artifact> get_artifact(std::int64_t id);
  std::vector<artifact> get_artifacts_by_uri(std::string_view uri);
  /// Artifacts of a type, newest first (at most `limit` when limit > 0).
  std::vector<artifact> get_artifacts_by_type(std::string_view type, std::size_t limit = 0);

  std::vector<execution> get_executions(std::span<const std::int64_t> ids);
  std::optional<execution> get_execution(std::int64_t id);

  std::vector<context> get_contexts(std::span<const std::int64_t> ids);
  std::optional<context> get_context(std::int64_t id);
  std::optional<context> get_context(std::string_view type, std::string_view name);
  /// Contexts of a type, oldest first.
  std::vector<context> get_contexts_by_type(std::string_view type);
  std::vector<std::int64_t> get_execution_ids_by_context(std::int64_t context_id);
  std::vector<execution> get_executions_by_context(std::int64_t context_id);
  std::vector<artifact> get_artifacts_by_context(std::int64_t context_id);
  std::vector<context> get_contexts_by_execution(std::int64_t execution_id);
  std::vector<context> get_contexts_by_artifact(std::int64_t artifact_id);
  std::vector<context> get_parent_contexts(std::int64_t context_id);
  std::vector<context> get_child_contexts(std::int64_t context_id);

  std::vector<event> get_events_by_execution_ids(std::span<const std::int64_t> ids);
  std::vector<event> get_events_by_artifact_ids(std::span<const std::int64_t> ids);

  /// The schema version recorded in MLMDEnv.
  int stored_schema_version();

 private:
  static constexpr const char* event_path_head =
      "INSERT INTO `EventPath` (`event_id`, `is_index_step`, `step_index`, `step_key`)";
  /// Inserts the event row and appends its path's rows to `paths` (written by the caller, batched).
  void insert_event(event& ev, std::vector<detail::sql_value>& paths);
  static void add_path_rows(const event& ev, std::vector<detail::sql_value>& rows);

  struct type_entry {
    std::int64_t id = 0;
    std::map<std::string, property_type, std::less<>> props;
  };

  void clear_caches() { types_.clear(); }

  void backoff(int attempt);

  detail::exec_result checked_exec(std::string_view sql, std::span<const detail::sql_value> p, std::string_view what);

  std::int64_t resolve_type(type_kind kind, std::int64_t type_id, const std::string& name, const properties& declared);

  std::map<std::string, property_type, std::less<>> load_type_properties(std::int64_t type_id);

  // All of a record's properties in one multi-row statement (one round trip to a server, not one per property).
  void write_properties(std::string_view table, std::string_view id_column, std::int64_t id, const properties& declared,
                        const properties& custom);

  /// Multi-row INSERTs (`head` is "INSERT ... INTO `T` (cols)"), up to 16 rows per statement so that few
  /// distinct texts are prepared; one round trip per 16 rows matters on a networked server (MariaDB).
  void insert_rows(const std::string& head, std::size_t columns, std::span<const detail::sql_value> values);

  template <class Record>
  void load_properties(std::string_view table, std::string_view id_column, std::vector<Record>& records) {
    if (records.empty()) return;
    std::vector<std::int64_t> ids;
    std::map<std::int64_t, Record*> by_id;
    for (auto& r : records) {
      ids.push_back(r.id);
      by_id[r.id] = &r;
    }
    detail::for_id_chunks(ids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query("SELECT `" + std::string(id_column) +
                                   "`, `name`, `is_custom_property`, `int_value`, `double_value`, `string_value`, "
                                   "`bool_value` FROM `" + std::string(table) + "` WHERE `" + std::string(id_column) +
                                   "` IN (" + detail::in_list(n) + ")",
                               p);
      for (auto& r : rows) {
        auto it = by_id.find(detail::as_int(r[0]));
        if (it == by_id.end()) continue;
        value v;
        if (!detail::is_null(r[6])) v = detail::as_int(r[6]) != 0;
        else if (!detail::is_null(r[3])) v = detail::as_int(r[3]);
        else if (!detail::is_null(r[4])) v = std::holds_alternative<double>(r[4]) ? std::get<double>(r[4])
                                                                                   : static_cast<double>(detail::as_int(r[4]));
        else if (!detail::is_null(r[5])) v = detail::as_string(r[5]);
        else continue;  // byte_value / proto_value: not read by mlpipe
        auto& target = detail::as_int(r[2]) ? it->second->custom_properties : it->second->properties;
        target[detail::as_string(r[1])] = std::move(v);
      }
    });
  }

  std::vector<event> get_events(std::string_view column, std::span<const std::int64_t> ids);

  template <class V>
  std::vector<std::int64_t> ids_where(const std::string& sql, V v) {
    return read([&] {
      detail::sql_value p[] = {detail::sql_value{std::move(v)}};
      std::vector<std::int64_t> ids;
      for (auto& r : conn_->query(sql, p)) ids.push_back(detail::as_int(r[0]));
      return ids;
    });
  }

  void link(std::string_view table, std::string_view column, std::int64_t context_id, std::int64_t other);
  std::string link_head(std::string_view table, std::string_view column) const;

  void init_schema(bool read_only);

  std::unique_ptr<detail::sql_connection> conn_;
  int depth_ = 0;
  std::map<std::pair<int, std::string>, type_entry> types_;
};

}  // namespace mlpipe::metadata

namespace mlpipe {
using metadata_store = metadata::store;
}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/store.ipp>
#endif
