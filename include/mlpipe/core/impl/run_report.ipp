// mlpipe/core/impl/run_report.ipp: the bodies of run_report's printing (text and JSON), non-template code.
#pragma once

#include <cstdio>
#include <string>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/run_report.hpp>

namespace mlpipe {

MLPIPE_DECL std::string format_property(const property_value& v) {
  if (auto i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (auto d = std::get_if<double>(&v)) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.4g", *d);
    return buf;
  }
  return std::get<std::string>(v);
}

/// A duration as people read it: "0.31 ms", "12.4 ms", "1.52 s".
MLPIPE_DECL std::string format_seconds(double s) {
  char buf[32];
  if (s < 1e-3) std::snprintf(buf, sizeof buf, "%.2f ms", s * 1e3);
  else if (s < 1) std::snprintf(buf, sizeof buf, "%.1f ms", s * 1e3);
  else std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

MLPIPE_DECL std::string run_report::to_text() const {
  std::size_t width = 4;
  std::size_t counts[5] = {};
  for (auto& n : nodes) {
    width = std::max(width, n.name.size());
    ++counts[static_cast<std::size_t>(n.state)];
  }
  std::string s = "run " + run_id + " of pipeline '" + pipeline + "'" +
                  (seconds > 0 ? " (" + format_seconds(seconds) + ")" : "") + ":";
  const std::pair<node_state, const char*> order[] = {{node_state::succeeded, "executed"},
                                                      {node_state::cached, "from the cache"},
                                                      {node_state::failed, "FAILED"},
                                                      {node_state::skipped, "skipped"},
                                                      {node_state::not_run, "not run"}};
  bool first = true;
  for (auto [state, what] : order)
    if (auto c = counts[static_cast<std::size_t>(state)]) {
      s += (first ? " " : ", ") + std::to_string(c) + " " + what;
      first = false;
    }
  s += '\n';
  for (auto& n : nodes) {
    std::string line = "  " + n.name;
    line.resize(width + 3, ' ');
    line += to_string(n.state);
    line.resize(width + 13, ' ');
    auto took = n.state == node_state::succeeded || n.state == node_state::cached ? format_seconds(n.seconds) : "";
    line += std::string(took.size() < 9 ? 9 - took.size() : 0, ' ') + took;
    std::string figures;
    for (auto& [k, v] : n.records) {
      auto text = format_property(v);
      if (text.size() > 100) text = text.substr(0, 97) + "...";
      figures += (figures.empty() ? "" : ", ") + k + " " + text;
    }
    if (!figures.empty()) line += "  " + figures;
    if (!n.error.empty()) line += "  (" + n.error + ")";
    s += line + '\n';
  }
  for (auto& [k, v] : notes) s += k + ": " + v + '\n';
  return s;
}

MLPIPE_DECL nlohmann::json run_report::to_json() const {
  using json = nlohmann::json;
  json out{{"pipeline", pipeline}, {"run", run_id}, {"ok", ok}, {"seconds", seconds}, {"nodes", json::array()}};
  for (auto& n : nodes) {
    json j{{"node", n.name}, {"stage", n.stage}, {"state", std::string(to_string(n.state))}, {"seconds", n.seconds}};
    if (!n.error.empty()) j["error"] = n.error;
    json r = json::object();
    for (auto& rec : n.records) std::visit([&](const auto& x) { r[rec.first] = x; }, rec.second);  // Clang 14: no binding captures
    j["records"] = std::move(r);
    json outs = json::array();
    for (auto& a : n.outputs)
      outs.push_back({{"key", a.key}, {"index", a.index}, {"type", a.type_name}, {"uri", a.uri.string()},
                      {"fingerprint", fingerprint_hex(a.fingerprint)}});
    j["outputs"] = std::move(outs);
    out["nodes"].push_back(std::move(j));
  }
  json notes_json = json::object();
  for (auto& [k, v] : notes) notes_json[k] = v;
  out["notes"] = std::move(notes_json);
  return out;
}

}  // namespace mlpipe
