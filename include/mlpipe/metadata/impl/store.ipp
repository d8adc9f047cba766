// mlpipe/metadata/impl/store.ipp: bodies of metadata/store.hpp's non-template functions (compiled once into libmlpipe
// by src/metadata.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/metadata/store.hpp>

#include <chrono>
#include <cstdlib>
#include <random>
#include <set>
#include <thread>

namespace mlpipe::metadata {

MLPIPE_DECL std::string detail::url_decode(std::string_view s, std::string_view url) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%') {
      auto hex = [&](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
      };
      if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0)
        throw store_error("store URL '" + std::string(url) + "': bad %-escape in '" + std::string(s) + "'");
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

MLPIPE_DECL store_url parse_store_url(std::string_view url) {
  store_url u;
  auto bad = [&](std::string_view why) {
    return store_error("store URL '" + std::string(url) + "': " + std::string(why) +
                       " (expected sqlite:PATH or mariadb://user:password@host:port/database)");
  };
  if (url.starts_with("sqlite:")) {
    u.kind = dialect::sqlite;
    auto p = url.substr(7);
    if (p.starts_with("//")) p.remove_prefix(2);  // sqlite:///abs/path and sqlite://rel both accepted
    if (p.empty()) throw bad("no file path after 'sqlite:'");
    u.path = std::string(p);
    return u;
  }
  std::string_view rest;
  if (url.starts_with("mariadb://")) rest = url.substr(10);
  else if (url.starts_with("mysql://")) rest = url.substr(8);
  else throw bad("unknown scheme");
  u.kind = dialect::mysql;
  auto at = rest.rfind('@');
  if (at == std::string_view::npos) throw bad("no 'user@' before the host");
  auto cred = rest.substr(0, at);
  auto hostpart = rest.substr(at + 1);
  auto colon = cred.find(':');
  u.user = detail::url_decode(cred.substr(0, colon), url);
  if (colon != std::string_view::npos) u.password = detail::url_decode(cred.substr(colon + 1), url);
  if (u.user.empty()) throw bad("empty user name");
  auto slash = hostpart.find('/');
  if (slash == std::string_view::npos || slash + 1 >= hostpart.size()) throw bad("no '/database' after the host");
  u.database = detail::url_decode(hostpart.substr(slash + 1), url);
  auto hp = hostpart.substr(0, slash);
  auto pc = hp.rfind(':');
  if (pc != std::string_view::npos) {
    auto ps = hp.substr(pc + 1);
    unsigned port = 0;
    if (ps.empty() || ps.size() > 5) throw bad("bad port");
    for (char c : ps) {
      if (c < '0' || c > '9') throw bad("bad port '" + std::string(ps) + "'");
      port = port * 10 + static_cast<unsigned>(c - '0');
    }
    if (port == 0 || port > 65535) throw bad("port out of range");
    u.port = port;
    hp = hp.substr(0, pc);
  }
  if (hp.empty()) throw bad("empty host");
  u.host = std::string(hp);
  return u;
}

MLPIPE_DECL std::string default_store_url() {
  if (const char* e = std::getenv("MLPIPE_STORE"); e && *e) return e;
  return "sqlite:mlpipe-metadata.sqlite";
}

MLPIPE_DECL std::string detail::in_list(std::size_t n) {
  std::string s;
  for (std::size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

MLPIPE_DECL detail::sql_value detail::opt(const std::optional<std::string>& s) { return s ? sql_value{*s} : sql_value{}; }

MLPIPE_DECL std::optional<std::int64_t> store::find_type(type_kind kind, std::string_view name) {
  auto key = std::make_pair(static_cast<int>(kind), std::string(name));
  if (auto it = types_.find(key); it != types_.end()) return it->second.id;
  return read([&]() -> std::optional<std::int64_t> {
    detail::sql_value p[] = {std::string(name), std::int64_t{static_cast<int>(kind)}};
    auto rows = conn_->query(
        "SELECT `id` FROM `Type` WHERE `name` = ? AND `version` IS NULL AND `type_kind` = ? ORDER BY `id`", p);
    if (rows.empty()) return std::nullopt;
    return detail::as_int(rows[0][0]);
  });
}

MLPIPE_DECL std::map<std::string, property_type, std::less<>> store::type_properties(std::int64_t type_id) {
  return read([&] { return load_type_properties(type_id); });
}

MLPIPE_DECL std::int64_t store::put_artifact(artifact& a) {
  const auto id0 = a.id;  // a retried transaction starts again from the caller's record
  return transaction([&] {
    a.id = id0;
    a.type_id = resolve_type(type_kind::artifact, a.type_id, a.type, a.properties);
    auto now = now_ms();
    if (a.id == 0) {
      if (a.create_time_ms == 0) a.create_time_ms = now;
      a.last_update_time_ms = a.create_time_ms;
      detail::sql_value p[] = {a.type_id, a.uri, std::int64_t{static_cast<int>(a.state)}, detail::opt(a.name),
                               detail::opt(a.external_id), a.create_time_ms, a.last_update_time_ms};
      a.id = checked_exec("INSERT INTO `Artifact` (`type_id`, `uri`, `state`, `name`, `external_id`, "
                          "`create_time_since_epoch`, `last_update_time_since_epoch`) VALUES (?, ?, ?, ?, ?, ?, ?)",
                          p, "artifact")
                 .last_insert_id;
    } else {
      a.last_update_time_ms = now;
      detail::sql_value p[] = {a.type_id, a.uri, std::int64_t{static_cast<int>(a.state)}, detail::opt(a.name),
                               detail::opt(a.external_id), a.last_update_time_ms, a.id};
      checked_exec("UPDATE `Artifact` SET `type_id` = ?, `uri` = ?, `state` = ?, `name` = ?, `external_id` = ?, "
                   "`last_update_time_since_epoch` = ? WHERE `id` = ?", p, "artifact");
    }
    write_properties("ArtifactProperty", "artifact_id", a.id, a.properties, a.custom_properties);
    return a.id;
  });
}

MLPIPE_DECL std::int64_t store::put_execution(execution& e) {
  const auto id0 = e.id;  // a retried transaction starts again from the caller's record
  return transaction([&] {
    e.id = id0;
    e.type_id = resolve_type(type_kind::execution, e.type_id, e.type, e.properties);
    auto now = now_ms();
    if (e.id == 0) {
      if (e.create_time_ms == 0) e.create_time_ms = now;
      e.last_update_time_ms = e.create_time_ms;
      detail::sql_value p[] = {e.type_id, std::int64_t{static_cast<int>(e.state)}, detail::opt(e.name),
                               detail::opt(e.external_id), e.create_time_ms, e.last_update_time_ms};
      e.id = checked_exec("INSERT INTO `Execution` (`type_id`, `last_known_state`, `name`, `external_id`, "
                          "`create_time_since_epoch`, `last_update_time_since_epoch`) VALUES (?, ?, ?, ?, ?, ?)",
                          p, "execution")
                 .last_insert_id;
    } else {
      e.last_update_time_ms = now;
      detail::sql_value p[] = {e.type_id, std::int64_t{static_cast<int>(e.state)}, detail::opt(e.name),
                               detail::opt(e.external_id), e.last_update_time_ms, e.id};
      checked_exec("UPDATE `Execution` SET `type_id` = ?, `last_known_state` = ?, `name` = ?, `external_id` = ?, "
                   "`last_update_time_since_epoch` = ? WHERE `id` = ?", p, "execution");
    }
    write_properties("ExecutionProperty", "execution_id", e.id, e.properties, e.custom_properties);
    return e.id;
  });
}

MLPIPE_DECL std::int64_t store::put_execution(execution& e, std::span<artifact_and_event> items, std::span<context> contexts) {
  // A retried transaction starts again from the caller's records, not from ids a rolled-back attempt set.
  const execution e0 = e;
  const std::vector<artifact_and_event> items0(items.begin(), items.end());
  const std::vector<context> contexts0(contexts.begin(), contexts.end());
  return transaction([&] {
    e = e0;
    std::copy(items0.begin(), items0.end(), items.begin());
    std::copy(contexts0.begin(), contexts0.end(), contexts.begin());
    put_execution(e);
    for (auto& c : contexts)
      if (c.id == 0) c = ensure_context(c);
    // Paths and links go in multi-row statements: a record costs a few round trips, not one per row.
    std::vector<detail::sql_value> paths, associations, attributions;
    for (auto& it : items) {
      if (it.artifact.id == 0 || !it.artifact.properties.empty() || !it.artifact.custom_properties.empty() ||
          it.artifact.state != artifact_state::unknown)
        put_artifact(it.artifact);
      if (it.event) {
        auto& ev = *it.event;
        ev.artifact_id = it.artifact.id;
        ev.execution_id = e.id;
        insert_event(ev, paths);
      }
    }
    for (auto& c : contexts) {
      associations.insert(associations.end(), {c.id, e.id});
      for (auto& it : items)
        if (!it.event || is_output(it.event->type)) attributions.insert(attributions.end(), {c.id, it.artifact.id});
    }
    insert_rows(event_path_head, 4, paths);
    insert_rows(link_head("Association", "execution_id"), 2, associations);
    insert_rows(link_head("Attribution", "artifact_id"), 2, attributions);
    return e.id;
  });
}

MLPIPE_DECL std::int64_t store::put_context(context& c) {
  const auto id0 = c.id;  // a retried transaction starts again from the caller's record
  return transaction([&] {
    c.id = id0;
    c.type_id = resolve_type(type_kind::context, c.type_id, c.type, c.properties);
    auto now = now_ms();
    if (c.id == 0) {
      if (c.create_time_ms == 0) c.create_time_ms = now;
      c.last_update_time_ms = c.create_time_ms;
      detail::sql_value p[] = {c.type_id, c.name, detail::opt(c.external_id), c.create_time_ms, c.last_update_time_ms};
      c.id = checked_exec("INSERT INTO `Context` (`type_id`, `name`, `external_id`, `create_time_since_epoch`, "
                          "`last_update_time_since_epoch`) VALUES (?, ?, ?, ?, ?)", p, "context")
                 .last_insert_id;
    } else {
      c.last_update_time_ms = now;
      detail::sql_value p[] = {c.type_id, c.name, detail::opt(c.external_id), c.last_update_time_ms, c.id};
      checked_exec("UPDATE `Context` SET `type_id` = ?, `name` = ?, `external_id` = ?, "
                   "`last_update_time_since_epoch` = ? WHERE `id` = ?", p, "context");
    }
    write_properties("ContextProperty", "context_id", c.id, c.properties, c.custom_properties);
    return c.id;
  });
}

MLPIPE_DECL context store::ensure_context(context c) {
  return transaction([&] {
    c.type_id = resolve_type(type_kind::context, c.type_id, c.type, c.properties);
    // A locking read on MySQL: it sees rows other transactions committed since ours began.
    std::string sql = "SELECT `id` FROM `Context` WHERE `type_id` = ? AND `name` = ?";
    if (dialect() == dialect::mysql) sql += " FOR UPDATE";
    auto find = [&]() -> std::optional<context> {
      detail::sql_value p[] = {c.type_id, c.name};
      auto rows = conn_->query(sql, p);
      if (rows.empty()) return std::nullopt;
      return get_context(detail::as_int(rows[0][0]));
    };
    if (auto found = find()) return *found;
    try {
      put_context(c);
    } catch (const constraint_error&) {
      if (auto found = find()) return *found;  // another process created it meanwhile
      // not visible yet to this transaction: run the whole transaction again
      throw retryable_error(describe() + ": context '" + c.name + "' was created concurrently");
    }
    return c;
  });
}

MLPIPE_DECL std::int64_t store::put_event(event& ev) {
  return transaction([&] {
    std::vector<detail::sql_value> paths;
    insert_event(ev, paths);
    insert_rows(event_path_head, 4, paths);
    return ev.id;
  });
}

MLPIPE_DECL void store::put_association(std::int64_t context_id, std::int64_t execution_id) {
  link("Association", "execution_id", context_id, execution_id);
}

MLPIPE_DECL void store::put_attribution(std::int64_t context_id, std::int64_t artifact_id) {
  link("Attribution", "artifact_id", context_id, artifact_id);
}

MLPIPE_DECL void store::put_parent_context(std::int64_t context_id, std::int64_t parent_context_id) {
  transaction([&] {
    detail::sql_value p[] = {context_id, parent_context_id};
    conn_->exec(dialect() == dialect::sqlite
                    ? "INSERT OR IGNORE INTO `ParentContext` (`context_id`, `parent_context_id`) VALUES (?, ?)"
                    : "INSERT IGNORE INTO `ParentContext` (`context_id`, `parent_context_id`) VALUES (?, ?)",
                p);
  });
}

MLPIPE_DECL void store::set_artifact_state(std::int64_t id, artifact_state s) {
  transaction([&] {
    detail::sql_value p[] = {std::int64_t{static_cast<int>(s)}, now_ms(), id};
    conn_->exec("UPDATE `Artifact` SET `state` = ?, `last_update_time_since_epoch` = ? WHERE `id` = ?", p);
  });
}

MLPIPE_DECL std::vector<artifact> store::get_artifacts(std::span<const std::int64_t> ids) {
  return read([&] {
    std::vector<artifact> out;
    detail::for_id_chunks(ids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query(
          "SELECT A.`id`, A.`type_id`, T.`name`, A.`uri`, A.`state`, A.`name`, A.`external_id`, "
          "A.`create_time_since_epoch`, A.`last_update_time_since_epoch` FROM `Artifact` AS A "
          "JOIN `Type` AS T ON T.`id` = A.`type_id` WHERE A.`id` IN (" + detail::in_list(n) + ") ORDER BY A.`id`", p);
      for (auto& r : rows) {
        artifact a;
        a.id = detail::as_int(r[0]);
        a.type_id = detail::as_int(r[1]);
        a.type = detail::as_string(r[2]);
        a.uri = detail::as_string(r[3]);
        a.state = static_cast<artifact_state>(detail::as_int(r[4]));
        if (!detail::is_null(r[5])) a.name = detail::as_string(r[5]);
        if (!detail::is_null(r[6])) a.external_id = detail::as_string(r[6]);
        a.create_time_ms = detail::as_int(r[7]);
        a.last_update_time_ms = detail::as_int(r[8]);
        out.push_back(std::move(a));
      }
    });
    load_properties("ArtifactProperty", "artifact_id", out);
    return out;
  });
}

MLPIPE_DECL std::optional<artifact> store::get_artifact(std::int64_t id) {
  auto v = get_artifacts(std::span<const std::int64_t>(&id, 1));
  if (v.empty()) return std::nullopt;
  return std::move(v[0]);
}

MLPIPE_DECL std::vector<artifact> store::get_artifacts_by_uri(std::string_view uri) {
  return get_artifacts(ids_where("SELECT `id` FROM `Artifact` WHERE `uri` = ? ORDER BY `id`", std::string(uri)));
}

MLPIPE_DECL std::vector<artifact> store::get_artifacts_by_type(std::string_view type, std::size_t limit) {
  auto id = find_type(type_kind::artifact, type);
  if (!id) return {};
  std::string sql = "SELECT `id` FROM `Artifact` WHERE `type_id` = ? ORDER BY `id` DESC";
  if (limit) sql += " LIMIT " + std::to_string(limit);
  auto ids = ids_where(sql, *id);
  auto v = get_artifacts(ids);
  std::reverse(v.begin(), v.end());
  return v;
}

MLPIPE_DECL std::vector<execution> store::get_executions(std::span<const std::int64_t> ids) {
  return read([&] {
    std::vector<execution> out;
    detail::for_id_chunks(ids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query(
          "SELECT E.`id`, E.`type_id`, T.`name`, E.`last_known_state`, E.`name`, E.`external_id`, "
          "E.`create_time_since_epoch`, E.`last_update_time_since_epoch` FROM `Execution` AS E "
          "JOIN `Type` AS T ON T.`id` = E.`type_id` WHERE E.`id` IN (" + detail::in_list(n) + ") ORDER BY E.`id`", p);
      for (auto& r : rows) {
        execution e;
        e.id = detail::as_int(r[0]);
        e.type_id = detail::as_int(r[1]);
        e.type = detail::as_string(r[2]);
        e.state = static_cast<execution_state>(detail::as_int(r[3]));
        if (!detail::is_null(r[4])) e.name = detail::as_string(r[4]);
        if (!detail::is_null(r[5])) e.external_id = detail::as_string(r[5]);
        e.create_time_ms = detail::as_int(r[6]);
        e.last_update_time_ms = detail::as_int(r[7]);
        out.push_back(std::move(e));
      }
    });
    load_properties("ExecutionProperty", "execution_id", out);
    return out;
  });
}

MLPIPE_DECL std::optional<execution> store::get_execution(std::int64_t id) {
  auto v = get_executions(std::span<const std::int64_t>(&id, 1));
  if (v.empty()) return std::nullopt;
  return std::move(v[0]);
}

MLPIPE_DECL std::vector<context> store::get_contexts(std::span<const std::int64_t> ids) {
  return read([&] {
    std::vector<context> out;
    detail::for_id_chunks(ids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query(
          "SELECT C.`id`, C.`type_id`, T.`name`, C.`name`, C.`external_id`, C.`create_time_since_epoch`, "
          "C.`last_update_time_since_epoch` FROM `Context` AS C JOIN `Type` AS T ON T.`id` = C.`type_id` "
          "WHERE C.`id` IN (" + detail::in_list(n) + ") ORDER BY C.`id`", p);
      for (auto& r : rows) {
        context c;
        c.id = detail::as_int(r[0]);
        c.type_id = detail::as_int(r[1]);
        c.type = detail::as_string(r[2]);
        c.name = detail::as_string(r[3]);
        if (!detail::is_null(r[4])) c.external_id = detail::as_string(r[4]);
        c.create_time_ms = detail::as_int(r[5]);
        c.last_update_time_ms = detail::as_int(r[6]);
        out.push_back(std::move(c));
      }
    });
    load_properties("ContextProperty", "context_id", out);
    return out;
  });
}

MLPIPE_DECL std::optional<context> store::get_context(std::int64_t id) {
  auto v = get_contexts(std::span<const std::int64_t>(&id, 1));
  if (v.empty()) return std::nullopt;
  return std::move(v[0]);
}

MLPIPE_DECL std::optional<context> store::get_context(std::string_view type, std::string_view name) {
  auto t = find_type(type_kind::context, type);
  if (!t) return std::nullopt;
  detail::sql_value p[] = {*t, std::string(name)};
  auto ids = read([&] {
    std::vector<std::int64_t> v;
    for (auto& r : conn_->query("SELECT `id` FROM `Context` WHERE `type_id` = ? AND `name` = ?", p))
      v.push_back(detail::as_int(r[0]));
    return v;
  });
  if (ids.empty()) return std::nullopt;
  return get_context(ids[0]);
}

MLPIPE_DECL std::vector<context> store::get_contexts_by_type(std::string_view type) {
  auto t = find_type(type_kind::context, type);
  if (!t) return {};
  return get_contexts(ids_where("SELECT `id` FROM `Context` WHERE `type_id` = ? ORDER BY `id`", *t));
}

MLPIPE_DECL std::vector<std::int64_t> store::get_execution_ids_by_context(std::int64_t context_id) {
  return ids_where("SELECT `execution_id` FROM `Association` WHERE `context_id` = ? ORDER BY `execution_id`",
                   context_id);
}

MLPIPE_DECL std::vector<execution> store::get_executions_by_context(std::int64_t context_id) {
  return get_executions(get_execution_ids_by_context(context_id));
}

MLPIPE_DECL std::vector<artifact> store::get_artifacts_by_context(std::int64_t context_id) {
  return get_artifacts(
      ids_where("SELECT `artifact_id` FROM `Attribution` WHERE `context_id` = ? ORDER BY `artifact_id`", context_id));
}

MLPIPE_DECL std::vector<context> store::get_contexts_by_execution(std::int64_t execution_id) {
  return get_contexts(
      ids_where("SELECT `context_id` FROM `Association` WHERE `execution_id` = ? ORDER BY `context_id`", execution_id));
}

MLPIPE_DECL std::vector<context> store::get_contexts_by_artifact(std::int64_t artifact_id) {
  return get_contexts(
      ids_where("SELECT `context_id` FROM `Attribution` WHERE `artifact_id` = ? ORDER BY `context_id`", artifact_id));
}

MLPIPE_DECL std::vector<context> store::get_parent_contexts(std::int64_t context_id) {
  return get_contexts(ids_where(
      "SELECT `parent_context_id` FROM `ParentContext` WHERE `context_id` = ? ORDER BY `parent_context_id`", context_id));
}

MLPIPE_DECL std::vector<context> store::get_child_contexts(std::int64_t context_id) {
  return get_contexts(
      ids_where("SELECT `context_id` FROM `ParentContext` WHERE `parent_context_id` = ? ORDER BY `context_id`", context_id));
}

MLPIPE_DECL std::vector<event> store::get_events_by_execution_ids(std::span<const std::int64_t> ids) {
  return get_events("execution_id", ids);
}

MLPIPE_DECL std::vector<event> store::get_events_by_artifact_ids(std::span<const std::int64_t> ids) {
  return get_events("artifact_id", ids);
}

MLPIPE_DECL int store::stored_schema_version() {
  return read([&] {
    auto rows = conn_->query("SELECT `schema_version` FROM `MLMDEnv`", {});
    return rows.empty() ? -1 : static_cast<int>(detail::as_int(rows[0][0]));
  });
}

MLPIPE_DECL void store::insert_event(event& ev, std::vector<detail::sql_value>& paths) {
  if (ev.milliseconds_since_epoch == 0) ev.milliseconds_since_epoch = now_ms();
  detail::sql_value p[] = {ev.artifact_id, ev.execution_id, std::int64_t{static_cast<int>(ev.type)},
                           ev.milliseconds_since_epoch};
  ev.id = checked_exec("INSERT INTO `Event` (`artifact_id`, `execution_id`, `type`, `milliseconds_since_epoch`) "
                       "VALUES (?, ?, ?, ?)", p, "event")
              .last_insert_id;
  add_path_rows(ev, paths);
}

MLPIPE_DECL void store::add_path_rows(const event& ev, std::vector<detail::sql_value>& rows) {
  for (auto& step : ev.path) {
    rows.emplace_back(ev.id);
    if (auto i = std::get_if<std::int64_t>(&step)) {
      rows.insert(rows.end(), {std::int64_t{1}, *i, detail::sql_value{}});
    } else {
      rows.insert(rows.end(), {std::int64_t{0}, detail::sql_value{}, std::get<std::string>(step)});
    }
  }
}

MLPIPE_DECL void store::backoff(int attempt) {
  thread_local std::minstd_rand rng{std::random_device{}()};
  int base = std::min(100, 1 << std::min(attempt, 7));
  std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<int>(rng() % static_cast<unsigned>(base))));
}

MLPIPE_DECL detail::exec_result store::checked_exec(std::string_view sql, std::span<const detail::sql_value> p, std::string_view what) {
  try {
    return conn_->exec(sql, p);
  } catch (const constraint_error& e) {
    throw constraint_error(describe() + ": cannot store the " + std::string(what) + ": " + e.what());
  }
}

MLPIPE_DECL std::int64_t store::resolve_type(type_kind kind, std::int64_t type_id, const std::string& name, const properties& declared) {
  std::map<std::string, property_type, std::less<>> props;
  for (auto& [k, v] : declared) props[k] = type_of(v);
  if (type_id != 0 && props.empty()) return type_id;
  if (name.empty()) {
    if (type_id != 0) return type_id;
    throw store_error("a record needs a type name or a type id");
  }
  auto id = put_type(kind, name, props);
  auto& entry = types_[std::make_pair(static_cast<int>(kind), name)];
  for (auto& [k, v] : declared)
    if (auto it = entry.props.find(k); it != entry.props.end() && it->second != type_of(v))
      throw store_error("property '" + k + "' of type '" + name + "' is declared as a different kind of value");
  return id;
}

MLPIPE_DECL std::map<std::string, property_type, std::less<>> store::load_type_properties(std::int64_t type_id) {
  std::map<std::string, property_type, std::less<>> m;
  detail::sql_value p[] = {type_id};
  for (auto& r : conn_->query("SELECT `name`, `data_type` FROM `TypeProperty` WHERE `type_id` = ?", p))
    m[detail::as_string(r[0])] = static_cast<property_type>(detail::as_int(r[1]));
  return m;
}

MLPIPE_DECL void store::insert_rows(const std::string& head, std::size_t columns, std::span<const detail::sql_value> values) {
  const std::size_t n = values.size() / columns, chunk = 16;
  std::string tuple = "(";
  for (std::size_t c = 0; c < columns; ++c) tuple += c ? ", ?" : "?";
  tuple += ")";
  for (std::size_t first = 0; first < n; first += chunk) {
    std::size_t rows = std::min(chunk, n - first);
    std::string sql = head + " VALUES ";
    for (std::size_t r = 0; r < rows; ++r) (sql += r ? ", " : "") += tuple;
    conn_->exec(sql, values.subspan(first * columns, rows * columns));
  }
}

MLPIPE_DECL std::vector<event> store::get_events(std::string_view column, std::span<const std::int64_t> ids) {
  return read([&] {
    std::vector<event> out;
    detail::for_id_chunks(ids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query("SELECT `id`, `artifact_id`, `execution_id`, `type`, `milliseconds_since_epoch` "
                               "FROM `Event` WHERE `" + std::string(column) + "` IN (" + detail::in_list(n) +
                                   ") ORDER BY `id`",
                               p);
      for (auto& r : rows) {
        event e;
        e.id = detail::as_int(r[0]);
        e.artifact_id = detail::as_int(r[1]);
        e.execution_id = detail::as_int(r[2]);
        e.type = static_cast<event_type>(detail::as_int(r[3]));
        e.milliseconds_since_epoch = detail::as_int(r[4]);
        out.push_back(std::move(e));
      }
    });
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.id < b.id; });
    out.erase(std::unique(out.begin(), out.end(), [](auto& a, auto& b) { return a.id == b.id; }), out.end());
    if (out.empty()) return out;
    std::vector<std::int64_t> eids;
    std::map<std::int64_t, event*> by_id;
    for (auto& e : out) {
      eids.push_back(e.id);
      by_id[e.id] = &e;
    }
    detail::for_id_chunks(eids, [&](std::size_t n, std::span<const detail::sql_value> p) {
      auto rows = conn_->query("SELECT `event_id`, `is_index_step`, `step_index`, `step_key` FROM `EventPath` "
                               "WHERE `event_id` IN (" + detail::in_list(n) + ")",
                               p);
      for (auto& r : rows) {
        auto it = by_id.find(detail::as_int(r[0]));
        if (it == by_id.end()) continue;
        if (detail::as_int(r[1])) it->second->path.emplace_back(detail::as_int(r[2]));
        else it->second->path.emplace_back(detail::as_string(r[3]));
      }
    });
    return out;
  });
}

MLPIPE_DECL void store::link(std::string_view table, std::string_view column, std::int64_t context_id, std::int64_t other) {
  transaction([&] {
    detail::sql_value p[] = {context_id, other};
    insert_rows(link_head(table, column), 2, p);
  });
}

MLPIPE_DECL std::string store::link_head(std::string_view table, std::string_view column) const {
  return std::string(dialect() == dialect::sqlite ? "INSERT OR IGNORE INTO `" : "INSERT IGNORE INTO `") +
         std::string(table) + "` (`context_id`, `" + std::string(column) + "`)";
}

MLPIPE_DECL void store::init_schema(bool read_only) {
  auto& c = *conn_;
  const bool mysql = c.dialect() == dialect::mysql;
  auto count_tables = [&] {
    std::vector<detail::sql_value> names;
    for (auto t : schema_tables) names.emplace_back(std::string(t));
    auto sql = mysql ? "SELECT `table_name` FROM `information_schema`.`tables` WHERE `table_schema` = DATABASE() "
                       "AND `table_name` IN (" + detail::in_list(names.size()) + ")"
                     : "SELECT `name` FROM `sqlite_master` WHERE `type` = 'table' AND `name` IN (" +
                           detail::in_list(names.size()) + ")";
    std::set<std::string> present;
    for (auto& r : c.query(sql, names)) present.insert(detail::as_string(r[0]));
    return present;
  };
  auto check_version = [&] {
    auto rows = c.query("SELECT `schema_version` FROM `MLMDEnv`", {});
    if (rows.size() != 1)
      throw store_error(describe() + ": MLMDEnv holds " + std::to_string(rows.size()) +
                        " rows; an ML Metadata store has exactly one");
    auto v = detail::as_int(rows[0][0]);
    if (v != schema_version)
      throw store_error(describe() + ": the store has ML Metadata schema version " + std::to_string(v) +
                        "; mlpipe reads and writes version " + std::to_string(schema_version) +
                        " only and never migrates a store (migrate it with ML Metadata's own tools, or use another store)");
  };
  auto create = [&] {
    auto present = count_tables();
    if (present.count("MLMDEnv")) {
      check_version();
      return;
    }
    if (read_only) throw store_error(describe() + ": not an ML Metadata store (no MLMDEnv table)");
    if (!present.empty())
      throw store_error(describe() + ": the database has ML Metadata tables (" + *present.begin() +
                        ", ...) but no MLMDEnv table: a store older than ML Metadata 0.14; mlpipe will not migrate it");
    if (mysql) {
      for (auto ddl : detail::mysql_tables) c.exec_direct(ddl);
      for (auto ddl : detail::mysql_indexes) c.exec_direct(ddl);
    } else {
      for (auto ddl : detail::sqlite_tables) c.exec_direct(ddl);
      for (auto ddl : detail::sqlite_indexes) c.exec_direct(ddl);
    }
    detail::sql_value p[] = {std::int64_t{schema_version}};
    c.exec("INSERT INTO `MLMDEnv` (`schema_version`) VALUES (?)", p);
  };
  if (mysql) {
    // DDL commits implicitly in MySQL: a named lock keeps concurrent creators apart instead.
    read([&] {
      detail::sql_value lock[] = {std::string("mlpipe_schema"), std::int64_t{60}};
      c.query("SELECT GET_LOCK(?, ?)", lock);
      try {
        create();
      } catch (...) {
        c.query("SELECT RELEASE_LOCK(?)", std::span<const detail::sql_value>(lock, 1));
        throw;
      }
      c.query("SELECT RELEASE_LOCK(?)", std::span<const detail::sql_value>(lock, 1));
    });
  } else if (read_only) {
    read(create);
  } else {
    transaction(create);
  }
}

MLPIPE_DECL std::int64_t store::put_type(type_kind kind, std::string_view name,
                                     const std::map<std::string, property_type, std::less<>>& props) {
  auto key = std::make_pair(static_cast<int>(kind), std::string(name));
  if (auto it = types_.find(key); it != types_.end()) {
    bool all = true;
    for (auto& [p, t] : props) all = all && it->second.props.count(p);
    if (all) return it->second.id;
  }
  return transaction([&] {
    auto& c = *conn_;
    std::string sel = "SELECT `id` FROM `Type` WHERE `name` = ? AND `version` IS NULL AND `type_kind` = ? ORDER BY `id`";
    if (c.dialect() == dialect::mysql) sel += " FOR UPDATE";  // serializes concurrent registrations
    detail::sql_value p[] = {std::string(name), std::int64_t{static_cast<int>(kind)}};
    auto rows = c.query(sel, p);
    std::int64_t id;
    if (rows.empty()) {
      id = c.exec("INSERT INTO `Type` (`name`, `type_kind`) VALUES (?, ?)", p).last_insert_id;
    } else {
      id = detail::as_int(rows[0][0]);
    }
    auto& entry = types_[key];
    entry.id = id;
    entry.props = load_type_properties(id);
    for (auto& [pn, pt] : props) {
      if (entry.props.count(pn)) continue;
      detail::sql_value q[] = {id, pn, std::int64_t{static_cast<int>(pt)}};
      c.exec("INSERT INTO `TypeProperty` (`type_id`, `name`, `data_type`) VALUES (?, ?, ?)", q);
      entry.props[pn] = pt;
    }
    return id;
  });
}


MLPIPE_DECL void store::write_properties(std::string_view table, std::string_view id_column, std::int64_t id,
                                     const properties& declared, const properties& custom) {
  const std::size_t n = declared.size() + custom.size();
  if (n == 0) return;
  std::vector<detail::sql_value> p;
  p.reserve(n * 7);
  auto add = [&](const properties& props, std::int64_t is_custom) {
    for (auto& [name, v] : props) {
      detail::sql_value row[7] = {id, name, is_custom, {}, {}, {}, {}};
      switch (v.index()) {
        case 0: {
          auto i = std::get<0>(v);
          if (dialect() == dialect::mysql && (i < INT32_MIN || i > INT32_MAX))
            throw store_error("property '" + name + "' = " + std::to_string(i) +
                              " does not fit ML Metadata's int_value column (INT, 32 bits on MySQL/MariaDB)");
          row[3] = i;
          break;
        }
        case 1: row[4] = std::get<1>(v); break;
        case 2: row[5] = std::get<2>(v); break;
        default: row[6] = std::int64_t{std::get<3>(v) ? 1 : 0}; break;
      }
      for (auto& x : row) p.push_back(std::move(x));
    }
  };
  add(declared, 0);
  add(custom, 1);
  insert_rows(std::string(dialect() == dialect::sqlite ? "INSERT OR REPLACE INTO `" : "REPLACE INTO `") +
                  std::string(table) + "` (`" + std::string(id_column) +
                  "`, `name`, `is_custom_property`, `int_value`, `double_value`, `string_value`, `bool_value`)",
              7, p);
}

}  // namespace mlpipe::metadata
