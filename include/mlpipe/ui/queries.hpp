// mlpipe/ui/queries.hpp: the read-only questions the UI asks the metadata store, each in a bounded number of SQL
// statements (a page of runs, a figure over every run) so pages stay fast on stores of many thousand runs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::ui {

/// One run as the runs page lists it.
struct run_row {
  std::int64_t id = 0;
  std::string name;
  std::string pipeline;
  std::string state;  // RUNNING, COMPLETE, FAILED, ABANDONED
  std::int64_t started_ms = 0;
  std::optional<double> ended_ms;
  std::map<std::string, int> executions;  // by state: COMPLETE, CACHED, FAILED, CANCELED, ...
};

struct run_page_rows {
  std::vector<run_row> rows;  // newest first
  std::int64_t total = 0;     // runs matching the filter
};

/// A figure of one run: the value the run's execution of `node` recorded (or, when that node came from the
/// cache, the value the execution it reused recorded).
struct figure_point {
  std::int64_t run_id = 0;
  std::string run;
  std::string node;
  double value = 0;
};

namespace detail {

using metadata::detail::as_int;
using metadata::detail::as_string;
using metadata::detail::sql_value;

inline std::optional<std::int64_t> context_type_id(metadata::store& s, std::string_view type) {
  return s.find_type(metadata::type_kind::context, type);
}

inline std::string in_list(std::size_t n) {
  std::string q;
  for (std::size_t i = 0; i < n; ++i) q += i ? ",?" : "?";
  return q;
}

inline double numeric(const metadata::detail::sql_value& v) {
  if (auto d = std::get_if<double>(&v)) return *d;
  if (auto i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return 0;
}

}  // namespace detail

/// The pipelines that have runs, by name.
inline std::vector<std::string> pipelines(metadata::store& s) {
  auto t = detail::context_type_id(s, metadata::names::pipeline);
  if (!t) return {};
  detail::sql_value p[] = {*t};
  auto rows = s.read([&] { return s.connection().query("SELECT `name` FROM `Context` WHERE `type_id` = ? ORDER BY `name`", p); });
  std::vector<std::string> out;
  for (auto& r : rows) out.push_back(detail::as_string(r[0]));
  return out;
}

/// Page `page` (from 0) of the runs, newest first, `per_page` to a page, of one pipeline or all ("").
inline run_page_rows list_runs_page(metadata::store& s, std::string_view pipeline, std::size_t page, std::size_t per_page) {
  run_page_rows out;
  auto t = detail::context_type_id(s, metadata::names::pipeline_run);
  if (!t) return out;
  std::vector<detail::sql_value> p{*t};
  std::string where = "`c`.`type_id` = ?";
  if (!pipeline.empty()) {
    where += " AND EXISTS (SELECT 1 FROM `ContextProperty` `cp` WHERE `cp`.`context_id` = `c`.`id` AND `cp`.`name` = ? "
             "AND `cp`.`string_value` = ?)";
    p.emplace_back(std::string(metadata::names::pipeline_name));
    p.emplace_back(std::string(pipeline));
  }
  auto total = s.read([&] { return s.connection().query("SELECT COUNT(*) FROM `Context` `c` WHERE " + where, p); });
  out.total = total.empty() ? 0 : detail::as_int(total[0][0]);
  auto ids_rows = s.read([&] {
    return s.connection().query("SELECT `c`.`id` FROM `Context` `c` WHERE " + where + " ORDER BY `c`.`id` DESC LIMIT " +
                                    std::to_string(per_page) + " OFFSET " + std::to_string(page * per_page),
                                p);
  });
  std::vector<std::int64_t> ids;
  for (auto& r : ids_rows) ids.push_back(detail::as_int(r[0]));
  if (ids.empty()) return out;
  auto contexts = s.get_contexts(ids);
  std::map<std::int64_t, run_row> by_id;
  for (auto& c : contexts) {
    run_row r;
    r.id = c.id;
    r.name = c.name;
    r.pipeline = metadata::detail::prop_string(c.custom_properties, metadata::names::pipeline_name);
    r.state = metadata::detail::prop_string(c.custom_properties, metadata::names::state);
    r.started_ms = c.create_time_ms;
    if (auto e = c.custom_properties.find(metadata::names::end_time); e != c.custom_properties.end()) {
      if (auto d = std::get_if<double>(&e->second)) r.ended_ms = *d;
      else if (auto i = std::get_if<std::int64_t>(&e->second)) r.ended_ms = static_cast<double>(*i);
    }
    by_id[c.id] = std::move(r);
  }
  std::vector<detail::sql_value> q(ids.begin(), ids.end());
  auto counts = s.read([&] {
    return s.connection().query(
        "SELECT `a`.`context_id`, `e`.`last_known_state`, COUNT(*) FROM `Association` `a` JOIN `Execution` `e` ON "
        "`e`.`id` = `a`.`execution_id` WHERE `a`.`context_id` IN (" + detail::in_list(q.size()) + ") GROUP BY `a`.`context_id`, "
        "`e`.`last_known_state`",
        q);
  });
  for (auto& r : counts) {
    auto it = by_id.find(detail::as_int(r[0]));
    if (it == by_id.end()) continue;
    auto st = metadata::to_string(static_cast<metadata::execution_state>(detail::as_int(r[1])));
    it->second.executions[std::string(st)] += static_cast<int>(detail::as_int(r[2]));
  }
  for (auto id : ids)
    if (auto it = by_id.find(id); it != by_id.end()) out.rows.push_back(std::move(it->second));
  return out;
}

/// The numeric figures recorded by executions (names, e.g. auc, train_rows), for the history page's choice.
/// A skip-scan over the property indexes (one index probe per distinct name), not a scan of every property row.
inline std::vector<std::string> figure_names(metadata::store& s) {
  std::vector<std::string> out;
  for (const char* column : {"double_value", "int_value"}) {
    const std::string c = column;
    const std::string next = "SELECT MIN(`name`) FROM `ExecutionProperty` WHERE `" + c +
                             "` IS NOT NULL AND `is_custom_property` = 1";
    auto rows = s.read([&] {
      return s.connection().query("WITH RECURSIVE `d`(`name`) AS (SELECT (" + next + ") UNION ALL SELECT (" + next +
                                      " AND `name` > `d`.`name`) FROM `d` WHERE `d`.`name` IS NOT NULL) "
                                      "SELECT `name` FROM `d` WHERE `name` IS NOT NULL",
                                  {});
    });
    for (auto& r : rows)
      if (auto n = detail::as_string(r[0]); !n.starts_with("mlpipe_")) out.push_back(std::move(n));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

/// A figure over every run, oldest first: one point per run, from its first execution (of `node`, "" for any)
/// that recorded it. A cached execution carries the figures of the one it reused (the recorder copies them).
/// The query starts from the figure's rows (through the property indexes) and finds each one's run by the
/// execution's run-id property and the context's unique (type, name) key: no scan of every association.
inline std::vector<figure_point> figure_over_runs(metadata::store& s, std::string_view figure, std::string_view node,
                                                  std::string_view pipeline = {}) {
  std::vector<figure_point> out;
  auto t = detail::context_type_id(s, metadata::names::pipeline_run);
  if (!t) return out;
  std::vector<detail::sql_value> p;
  std::string sql;
  for (const char* column : {"double_value", "int_value"}) {
    if (!sql.empty()) sql += " UNION ALL ";
    sql += std::string("SELECT `c`.`id`, `c`.`name`, `f`.`execution_id`, `f`.`") + column +
           "`, `n`.`string_value` FROM `ExecutionProperty` `f` "
           "JOIN `ExecutionProperty` `r` ON `r`.`execution_id` = `f`.`execution_id` AND `r`.`name` = ? AND "
           "`r`.`is_custom_property` = 1 "
           "JOIN `Context` `c` ON `c`.`type_id` = ? AND `c`.`name` = `r`.`string_value` "
           "LEFT JOIN `ExecutionProperty` `n` ON `n`.`execution_id` = `f`.`execution_id` AND `n`.`name` = ? AND "
           "`n`.`is_custom_property` = 1 "
           "WHERE `f`.`name` = ? AND `f`.`is_custom_property` = 1 AND `f`.`" + column + "` IS NOT NULL";
    p.emplace_back(std::string(metadata::names::run));
    p.emplace_back(*t);
    p.emplace_back(std::string(metadata::names::node_name));
    p.emplace_back(std::string(figure));
    if (!node.empty()) {
      sql += " AND `n`.`string_value` = ?";
      p.emplace_back(std::string(node));
    }
    if (!pipeline.empty()) {
      sql += " AND EXISTS (SELECT 1 FROM `ContextProperty` `cp` WHERE `cp`.`context_id` = `c`.`id` AND `cp`.`name` = ? "
             "AND `cp`.`string_value` = ?)";
      p.emplace_back(std::string(metadata::names::pipeline_name));
      p.emplace_back(std::string(pipeline));
    }
  }
  sql += " ORDER BY 1, 3";
  auto rows = s.read([&] { return s.connection().query(sql, p); });
  std::int64_t last_run = -1;
  for (auto& r : rows) {
    std::int64_t run = detail::as_int(r[0]);
    if (run == last_run) continue;  // one point per run: its first execution that has the figure
    last_run = run;
    out.push_back({run, detail::as_string(r[1]),
                   std::holds_alternative<std::monostate>(r[4]) ? "" : detail::as_string(r[4]), detail::numeric(r[3])});
  }
  return out;
}

}  // namespace mlpipe::ui
