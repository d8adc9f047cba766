// mlpipe/metadata/impl/reports.ipp: bodies of metadata/reports.hpp's non-template functions (compiled once into
// libmlpipe by src/metadata.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/metadata/reports.hpp>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mlpipe::metadata {

namespace detail {

MLPIPE_DECL nlohmann::json to_json(const value& v) {
  switch (v.index()) {
    case 0: return std::get<0>(v);
    case 1: return std::get<1>(v);
    case 2: return std::get<2>(v);
    default: return std::get<3>(v);
  }
}
MLPIPE_DECL nlohmann::json to_json(const properties& p, bool skip_own) {
  nlohmann::json j = nlohmann::json::object();
  for (auto& [k, v] : p)
    if (!skip_own || !k.starts_with("mlpipe_")) j[k] = to_json(v);
  return j;
}
MLPIPE_DECL nlohmann::json artifact_json(const artifact& a) {
  return {{"id", a.id},
          {"type", a.type},
          {"uri", a.uri},
          {"state", to_string(a.state)},
          {"fingerprint", prop_string(a.custom_properties, names::fingerprint)},
          {"created_ms", a.create_time_ms}};
}
MLPIPE_DECL nlohmann::json execution_json(const execution& e) {
  return {{"id", e.id},
          {"node", prop_string(e.custom_properties, names::node_name)},
          {"stage", e.type},
          {"state", to_string(e.state)},
          {"run", prop_string(e.custom_properties, names::run)},
          {"parameters", to_json(e.properties)},
          {"records", to_json(e.custom_properties, true)},
          {"created_ms", e.create_time_ms},
          {"updated_ms", e.last_update_time_ms}};
}

}  // namespace detail

MLPIPE_DECL context find_run(store& s, std::string_view run) {
  auto runs = s.get_contexts_by_type(names::pipeline_run);
  if (runs.empty()) throw store_error(s.describe() + ": the store has no runs yet");
  if (run == "latest" || run == "last") return runs.back();
  for (auto& r : runs)
    if (r.name == run) return r;
  if (!run.empty() && std::all_of(run.begin(), run.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    auto id = std::stoll(std::string(run));
    for (auto& r : runs)
      if (r.id == id) return r;
  }
  std::vector<const context*> matches;
  for (auto& r : runs)
    if (r.name.starts_with(run)) matches.push_back(&r);
  if (matches.size() == 1) return *matches[0];
  if (matches.size() > 1)
    throw store_error("run '" + std::string(run) + "' is ambiguous: " + matches[0]->name + ", " + matches[1]->name +
                      (matches.size() > 2 ? ", ..." : ""));
  throw store_error("no run '" + std::string(run) + "' in " + s.describe() + " (`mlpipe runs` lists them)");
}

MLPIPE_DECL nlohmann::json list_runs(store& s, std::string_view pipeline) {
  nlohmann::json out = nlohmann::json::array();
  for (auto& r : s.get_contexts_by_type(names::pipeline_run)) {
    auto p = detail::prop_string(r.custom_properties, names::pipeline_name);
    if (!pipeline.empty() && p != pipeline) continue;
    std::map<std::string, int> by_state;
    for (auto& e : s.get_executions_by_context(r.id)) ++by_state[std::string(to_string(e.state))];
    nlohmann::json counts = nlohmann::json::object();
    for (auto& [k, v] : by_state) counts[k] = v;
    auto end = r.custom_properties.find(names::end_time);
    out.push_back({{"run", r.name},
                   {"id", r.id},
                   {"pipeline", p},
                   {"state", detail::prop_string(r.custom_properties, names::state)},
                   {"started_ms", r.create_time_ms},
                   {"ended_ms", end == r.custom_properties.end() ? nlohmann::json() : detail::to_json(end->second)},
                   {"executions", counts}});
  }
  return out;
}

MLPIPE_DECL nlohmann::json show_run(store& s, std::string_view run) {
  auto r = find_run(s, run);
  auto execs = s.get_executions_by_context(r.id);
  std::vector<std::int64_t> ids;
  for (auto& e : execs) ids.push_back(e.id);
  auto events = s.get_events_by_execution_ids(ids);
  std::set<std::int64_t> art_ids;
  for (auto& ev : events) art_ids.insert(ev.artifact_id);
  std::vector<std::int64_t> av(art_ids.begin(), art_ids.end());
  std::map<std::int64_t, artifact> arts;
  for (auto& a : s.get_artifacts(av)) arts[a.id] = a;
  nlohmann::json nodes = nlohmann::json::array();
  for (auto& e : execs) {
    auto j = detail::execution_json(e);
    j["inputs"] = nlohmann::json::array();
    j["outputs"] = nlohmann::json::array();
    for (auto& ev : events) {
      if (ev.execution_id != e.id || !arts.count(ev.artifact_id)) continue;
      auto aj = detail::artifact_json(arts[ev.artifact_id]);
      if (!ev.path.empty())
        if (auto k = std::get_if<std::string>(&ev.path[0])) aj["key"] = *k;
      (ev.type == event_type::input ? j["inputs"] : j["outputs"]).push_back(aj);
    }
    if (auto c = e.custom_properties.find(names::cached_from); c != e.custom_properties.end())
      j["cached_from"] = detail::to_json(c->second);
    if (auto c = e.custom_properties.find(names::error); c != e.custom_properties.end()) j["error"] = detail::to_json(c->second);
    if (auto c = e.custom_properties.find(names::skipped_because); c != e.custom_properties.end())
      j["skipped_because"] = detail::to_json(c->second);
    nodes.push_back(std::move(j));
  }
  return {{"run", r.name},
          {"id", r.id},
          {"pipeline", detail::prop_string(r.custom_properties, names::pipeline_name)},
          {"state", detail::prop_string(r.custom_properties, names::state)},
          {"started_ms", r.create_time_ms},
          {"nodes", nodes}};
}

MLPIPE_DECL artifact find_artifact(store& s, std::string_view what) {
  std::string w(what);
  if (!w.empty() && std::all_of(w.begin(), w.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
    if (auto a = s.get_artifact(std::stoll(w))) return *a;
  std::vector<std::string> uris{w};
  std::error_code ec;
  auto abs = std::filesystem::absolute(w, ec);
  if (!ec) uris.push_back(abs.lexically_normal().string());
  for (auto u : std::vector<std::string>(uris)) {
    if (!u.empty() && u.back() == '/') uris.push_back(u.substr(0, u.size() - 1));
  }
  for (auto& u : uris) {
    auto found = s.get_artifacts_by_uri(u);
    if (!found.empty()) return found.back();
  }
  // a type name, in any case
  auto lower = [](std::string x) {
    for (auto& c : x) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return x;
  };
  auto rows = s.read([&] {
    detail::sql_value p[] = {std::int64_t{static_cast<int>(type_kind::artifact)}};
    return s.connection().query("SELECT `id`, `name` FROM `Type` WHERE `type_kind` = ?", p);
  });
  for (auto& r : rows) {
    if (lower(detail::as_string(r[1])) != lower(w)) continue;
    detail::sql_value p[] = {detail::as_int(r[0]), std::int64_t{static_cast<int>(artifact_state::live)}};
    auto ids = s.read([&] {
      return s.connection().query(
          "SELECT `id` FROM `Artifact` WHERE `type_id` = ? AND `state` = ? ORDER BY `id` DESC LIMIT 1", p);
    });
    if (!ids.empty()) return *s.get_artifact(detail::as_int(ids[0][0]));
  }
  throw store_error("no artifact '" + w + "' in " + s.describe() +
                    " (give an artifact id, its directory, or a type such as 'model')");
}

MLPIPE_DECL nlohmann::json lineage(store& s, std::string_view artifact_or_model) {
  auto target = find_artifact(s, artifact_or_model);
  nlohmann::json steps = nlohmann::json::array();
  std::set<std::int64_t> seen_art{target.id}, seen_exec;
  std::vector<std::int64_t> frontier{target.id};
  std::map<std::int64_t, artifact> arts{{target.id, target}};
  nlohmann::json sources = nlohmann::json::array();
  while (!frontier.empty()) {
    std::vector<std::int64_t> producers;
    for (auto aid : frontier) {
      // The execution that wrote it (not the CACHED ones that reused it): the oldest OUTPUT event.
      auto rows = s.read([&] {
        detail::sql_value p[] = {aid, std::int64_t{static_cast<int>(event_type::output)}};
        return s.connection().query(
            "SELECT `execution_id` FROM `Event` WHERE `artifact_id` = ? AND `type` = ? ORDER BY `id` LIMIT 1", p);
      });
      if (!rows.empty() && seen_exec.insert(detail::as_int(rows[0][0])).second)
        producers.push_back(detail::as_int(rows[0][0]));
    }
    frontier.clear();
    if (producers.empty()) break;
    auto execs = s.get_executions(producers);
    auto events = s.get_events_by_execution_ids(producers);
    std::vector<std::int64_t> need;
    for (auto& ev : events)
      if (!arts.count(ev.artifact_id)) need.push_back(ev.artifact_id);
    for (auto& a : s.get_artifacts(need)) arts[a.id] = a;
    for (auto& e : execs) {
      auto j = detail::execution_json(e);
      j["inputs"] = nlohmann::json::array();
      j["outputs"] = nlohmann::json::array();
      for (auto& ev : events) {
        if (ev.execution_id != e.id || !arts.count(ev.artifact_id)) continue;
        auto aj = detail::artifact_json(arts[ev.artifact_id]);
        if (ev.type == event_type::input) {
          j["inputs"].push_back(aj);
          if (seen_art.insert(ev.artifact_id).second) frontier.push_back(ev.artifact_id);
        } else if (store::is_output(ev.type)) {
          j["outputs"].push_back(aj);
        }
      }
      if (j["inputs"].empty()) sources.push_back({{"execution", e.id}, {"node", j["node"]}, {"parameters", j["parameters"]}});
      steps.push_back(std::move(j));
    }
  }
  return {{"artifact", detail::artifact_json(target)}, {"steps", steps}, {"sources", sources}};
}

MLPIPE_DECL nlohmann::json compare_runs(store& s, std::string_view run_a, std::string_view run_b) {
  auto a = show_run(s, run_a);
  auto b = show_run(s, run_b);
  std::map<std::string, nlohmann::json> nodes;
  auto add = [&](const nlohmann::json& run, int side) {
    for (auto& n : run["nodes"]) {
      auto& e = nodes[n["node"].get<std::string>()];
      if (e.is_null()) e = {{"node", n["node"]}, {"stage", n["stage"]}, {"state", {nullptr, nullptr}},
                            {"parameters", nlohmann::json::object()}, {"records", nlohmann::json::object()}};
      e["state"][side] = n["state"];
      for (auto& kind : {"parameters", "records"})
        for (auto& [k, v] : n[kind].items()) {
          if (!e[kind].contains(k)) e[kind][k] = {nullptr, nullptr};
          e[kind][k][side] = v;
        }
    }
  };
  add(a, 0);
  add(b, 1);
  nlohmann::json out_nodes = nlohmann::json::array();
  for (auto& n : a["nodes"])
    if (nodes.count(n["node"].get<std::string>())) {
      out_nodes.push_back(nodes[n["node"].get<std::string>()]);
      nodes.erase(n["node"].get<std::string>());
    }
  for (auto& [k, v] : nodes) out_nodes.push_back(v);
  for (auto& n : out_nodes) {
    bool same = n["state"][0] == n["state"][1];
    for (auto& kind : {"parameters", "records"})
      for (auto& [k, v] : n[kind].items()) same = same && v[0] == v[1];
    n["differs"] = !same;
  }
  return {{"runs", {a["run"], b["run"]}}, {"nodes", out_nodes}};
}

MLPIPE_DECL nlohmann::json metric_history(store& s, std::string_view metric, std::string_view node) {
  auto rows = s.read([&] {
    detail::sql_value p[] = {std::string(metric)};
    return s.connection().query(
        "SELECT `execution_id` FROM `ExecutionProperty` WHERE `name` = ? AND `is_custom_property` = 1 "
        "ORDER BY `execution_id`", p);
  });
  std::vector<std::int64_t> ids;
  for (auto& r : rows) ids.push_back(detail::as_int(r[0]));
  nlohmann::json out = nlohmann::json::array();
  for (auto& e : s.get_executions(ids)) {
    auto n = detail::prop_string(e.custom_properties, names::node_name);
    if (!node.empty() && n != node) continue;
    auto v = e.custom_properties.find(metric);
    if (v == e.custom_properties.end()) continue;
    out.push_back({{"run", detail::prop_string(e.custom_properties, names::run)},
                   {"node", n},
                   {"execution", e.id},
                   {"state", to_string(e.state)},
                   {"time_ms", e.create_time_ms},
                   {"value", detail::to_json(v->second)}});
  }
  return out;
}

}  // namespace mlpipe::metadata
