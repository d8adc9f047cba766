// mlpipe/ui/pages.hpp: the UI's pages over a metadata store and its artifacts: runs, one run (its DAG coloured
// by state), a node's execution, an artifact (statistics, evaluation, anomalies), history, compare, lineage.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <fstream>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/evaluate/model_evaluation.hpp>
#include <mlpipe/metadata/reports.hpp>
#include <mlpipe/ui/charts.hpp>
#include <mlpipe/ui/dag.hpp>
#include <mlpipe/ui/html.hpp>
#include <mlpipe/ui/queries.hpp>
#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/drift.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe::ui {

/// What a page handler answers: an HTTP status and the HTML.
struct response {
  int status = 200;
  std::string body;
  std::string content_type = "text/html; charset=utf-8";
};

/// Where links point: the server's URLs, or anchors inside one report file.
struct links {
  bool report = false;
  std::string run(std::string_view name) const {
    return report ? "#run" : "/run/" + url_encode(name);
  }
  std::string execution(std::int64_t id) const {
    return report ? "#execution-" + std::to_string(id) : "/execution/" + std::to_string(id);
  }
  std::string artifact(std::int64_t id) const {
    return report ? "#artifact-" + std::to_string(id) : "/artifact/" + std::to_string(id);
  }
  std::string lineage(std::int64_t id) const {
    return report ? "#lineage-" + std::to_string(id) : "/lineage/" + std::to_string(id);
  }
};

/// A page asked for something the store does not have: answered 404 with this message.
class not_found : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

inline std::string utc(double ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000.0);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

inline std::string duration(double ms) {
  if (!(ms >= 0)) return "-";
  if (ms < 1000) return number(ms, 3) + " ms";
  if (ms < 120000) return number(ms / 1000, 3) + " s";
  return number(ms / 60000, 3) + " min";
}

inline std::string text_of(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return number(v.get<double>(), 6);
  return v.dump();
}

/// The UI's name for an execution state: executed, cached, failed, skipped, running.
inline std::string state_class(std::string_view mlmd_state) {
  if (mlmd_state == "COMPLETE") return "executed";
  if (mlmd_state == "CACHED") return "cached";
  if (mlmd_state == "FAILED") return "failed";
  if (mlmd_state == "CANCELED") return "skipped";
  if (mlmd_state == "RUNNING" || mlmd_state == "NEW") return "running";
  return "unknown";
}

inline std::string badge(std::string_view state) {
  return "<span class=\"state state-" + escape(state) + "\">" + escape(state) + "</span>";
}

inline std::string props_table(const nlohmann::json& o, std::string_view empty = "none") {
  if (!o.is_object() || o.empty()) return "<p class=\"muted\">" + escape(empty) + "</p>";
  std::string s = "<table>";
  for (auto& [k, v] : o.items())
    s += "<tr><th>" + escape(k) + "</th><td>" + escape(text_of(v)) + "</td></tr>";
  return s + "</table>";
}

inline std::int64_t to_id(std::string_view s, std::string_view what) {
  if (s.empty() || s.size() > 18 || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    throw not_found("no " + std::string(what) + " '" + std::string(s) + "' (ids are numbers)");
  return std::stoll(std::string(s));
}

inline histogram_data to_histogram(const nlohmann::json& h) {
  histogram_data d;
  if (!h.is_object()) return d;
  for (auto& e : h.value("boundaries", nlohmann::json::array())) d.edges.push_back(e.is_number() ? e.get<double>() : NAN);
  for (auto& c : h.value("counts", nlohmann::json::array())) d.counts.push_back(c.is_number() ? c.get<double>() : 0);
  return d;
}

/// The run a context id belongs to, for links back from an execution or artifact.
inline std::optional<metadata::context> run_of_execution(metadata::store& s, std::int64_t execution_id) {
  for (auto& c : s.get_contexts_by_execution(execution_id))
    if (c.type == metadata::names::pipeline_run) return c;
  return std::nullopt;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------------------------
// runs

/// Every run, newest first, 50 a page, filtered by pipeline.
inline std::string runs_section(metadata::store& s, std::string_view pipeline, std::size_t page, const links& l,
                                std::size_t per_page = 50) {
  auto rows = list_runs_page(s, pipeline, page, per_page);
  std::string b = "<h1>Runs</h1><form method=\"get\" action=\"/runs\">pipeline: <select name=\"pipeline\" "
                  "onchange=\"this.form.submit()\"><option value=\"\">all</option>";
  for (auto& p : pipelines(s))
    b += "<option" + std::string(p == pipeline ? " selected" : "") + " value=\"" + escape(p) + "\">" + escape(p) + "</option>";
  b += "</select></form>";
  b += "<p class=\"muted\">" + std::to_string(rows.total) + " run" + (rows.total == 1 ? "" : "s") + "</p>";
  b += "<table class=\"runs\"><tr><th>run</th><th>pipeline</th><th>state</th><th>started (UTC)</th><th>duration</th>"
       "<th>executed</th><th>cached</th><th>failed</th><th>skipped</th></tr>";
  for (auto& r : rows.rows) {
    auto count = [&](const char* k) {
      auto it = r.executions.find(k);
      return std::to_string(it == r.executions.end() ? 0 : it->second);
    };
    b += "<tr class=\"run state-" + escape(r.state) + "\" data-run=\"" + escape(r.name) + "\"><td><a href=\"" +
         escape(l.run(r.name)) + "\">" + escape(r.name) + "</a></td><td>" + escape(r.pipeline) + "</td><td>" +
         detail::badge(r.state) + "</td><td>" + detail::utc(static_cast<double>(r.started_ms)) + "</td><td class=\"num\">" +
         (r.ended_ms ? detail::duration(*r.ended_ms - static_cast<double>(r.started_ms)) : "-") + "</td><td class=\"num\">" +
         count("COMPLETE") + "</td><td class=\"num\">" + count("CACHED") + "</td><td class=\"num\">" + count("FAILED") +
         "</td><td class=\"num\">" + count("CANCELED") + "</td></tr>";
  }
  b += "</table>";
  std::size_t pages = static_cast<std::size_t>((rows.total + static_cast<std::int64_t>(per_page) - 1) /
                                               static_cast<std::int64_t>(per_page));
  if (pages > 1 && !l.report) {
    b += "<p class=\"pager\">page " + std::to_string(page + 1) + " of " + std::to_string(pages) + " ";
    std::string pq = pipeline.empty() ? "" : "&pipeline=" + url_encode(pipeline);
    if (page > 0) b += "<a rel=\"prev\" href=\"/runs?page=" + std::to_string(page) + pq + "\">newer</a>";
    if (page + 1 < pages) b += "<a rel=\"next\" href=\"/runs?page=" + std::to_string(page + 2) + pq + "\">older</a>";
    b += "</p>";
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// one run

/// The run's DAG: one node per execution, coloured by state, edges from each input artifact's producer in the run.
inline graph run_graph(const nlohmann::json& run, const links& l) {
  graph g;
  std::map<std::int64_t, std::string> producer;  // artifact id -> node
  for (auto& n : run["nodes"])
    for (auto& o : n["outputs"]) producer[o["id"].get<std::int64_t>()] = n["node"].get<std::string>();
  std::set<std::pair<std::string, std::string>> edges;
  for (auto& n : run["nodes"]) {
    auto name = n["node"].get<std::string>();
    auto st = detail::state_class(n["state"].get<std::string>());
    g.nodes.push_back({name, name + "\n" + n["stage"].get<std::string>(), "step state-" + st,
                       l.execution(n["id"].get<std::int64_t>()), name + ": " + st});
    for (auto& in : n["inputs"])
      if (auto it = producer.find(in["id"].get<std::int64_t>()); it != producer.end() && it->second != name)
        edges.insert({it->second, name});
    if (n.contains("skipped_because") && n["skipped_because"].is_string())
      edges.insert({n["skipped_because"].get<std::string>(), name});
  }
  std::set<std::string> known;
  for (auto& n : g.nodes) known.insert(n.id);
  for (auto& [a, b] : edges)
    if (known.count(a)) g.edges.push_back({a, b, ""});
  return g;
}

inline std::string run_section(metadata::store& s, std::string_view run_name, const links& l) {
  nlohmann::json run;
  try {
    run = metadata::show_run(s, run_name);
  } catch (const metadata::store_error& e) {
    throw not_found(e.what());
  }
  std::string b = "<h1 id=\"run\">Run " + escape(run["run"].get<std::string>()) + "</h1>";
  b += "<p>pipeline <b>" + escape(detail::text_of(run["pipeline"])) + "</b> " + detail::badge(detail::text_of(run["state"])) +
       " started " + detail::utc(run["started_ms"].get<double>()) + " UTC</p>";
  b += "<h2>DAG</h2>" + draw(run_graph(run, l));
  b += "<p class=\"legend\"><span style=\"background:#d8f3dc\"></span>executed<span style=\"background:#dbe9ff\"></span>cached"
       "<span style=\"background:#ffd9d9\"></span>failed<span style=\"background:#eee\"></span>skipped</p>";
  b += "<h2>Nodes</h2><table class=\"nodes\"><tr><th>node</th><th>stage</th><th>state</th><th>duration</th><th>figures</th>"
       "<th>outputs</th></tr>";
  for (auto& n : run["nodes"]) {
    double ms = n["updated_ms"].get<double>() - n["created_ms"].get<double>();
    auto st = detail::state_class(n["state"].get<std::string>());
    std::string figures;
    for (auto& [k, v] : n["records"].items()) figures += escape(k) + " " + escape(detail::text_of(v)) + "<br>";
    std::string outs;
    for (auto& o : n["outputs"])
      outs += "<a href=\"" + escape(l.artifact(o["id"].get<std::int64_t>())) + "\">" + escape(detail::text_of(o["type"])) +
              " #" + std::to_string(o["id"].get<std::int64_t>()) + "</a><br>";
    b += "<tr class=\"node state-" + st + "\" data-node=\"" + escape(n["node"].get<std::string>()) + "\"><td><a href=\"" +
         escape(l.execution(n["id"].get<std::int64_t>())) + "\">" + escape(n["node"].get<std::string>()) + "</a></td><td>" +
         escape(detail::text_of(n["stage"])) + "</td><td>" + detail::badge(st) + "</td><td class=\"num\">" +
         (st == "executed" || st == "failed" ? detail::duration(ms) : "-") + "</td><td>" + figures + "</td><td>" + outs +
         "</td></tr>";
    if (n.contains("error"))
      b += "<tr class=\"error\"><td colspan=\"6\"><pre>" + escape(detail::text_of(n["error"])) + "</pre></td></tr>";
  }
  return b + "</table>";
}

// ---------------------------------------------------------------------------------------------------------------
// one execution (a node of a run)

inline std::string execution_section(metadata::store& s, std::int64_t id, const links& l) {
  auto e = s.get_execution(id);
  if (!e) throw not_found("no execution " + std::to_string(id) + " in " + s.describe());
  auto j = metadata::detail::execution_json(*e);
  std::string b = "<h2 id=\"execution-" + std::to_string(id) + "\">Node " + escape(detail::text_of(j["node"])) + " (" +
                  escape(detail::text_of(j["stage"])) + ") " + detail::badge(detail::state_class(detail::text_of(j["state"]))) +
                  "</h2>";
  if (auto r = detail::run_of_execution(s, id))
    b += "<p>run <a href=\"" + escape(l.run(r->name)) + "\">" + escape(r->name) + "</a>, execution " + std::to_string(id) +
         ", duration " + detail::duration(static_cast<double>(e->last_update_time_ms - e->create_time_ms)) + "</p>";
  if (auto err = e->custom_properties.find(metadata::names::error); err != e->custom_properties.end())
    b += "<h3>Error</h3><pre class=\"error\">" + escape(metadata::to_text(err->second)) + "</pre>";
  if (auto sk = e->custom_properties.find(metadata::names::skipped_because); sk != e->custom_properties.end())
    b += "<p>skipped because <b>" + escape(metadata::to_text(sk->second)) + "</b> did not succeed</p>";
  if (auto cf = e->custom_properties.find(metadata::names::cached_from); cf != e->custom_properties.end())
    b += "<p>from the cache: execution " + escape(metadata::to_text(cf->second)) + "</p>";
  b += "<h3>Parameters</h3>" + detail::props_table(j["parameters"]);
  b += "<h3>Recorded figures</h3>" + detail::props_table(j["records"]);
  std::int64_t ids[] = {id};
  auto events = s.get_events_by_execution_ids(ids);
  std::vector<std::int64_t> art_ids;
  for (auto& ev : events) art_ids.push_back(ev.artifact_id);
  std::map<std::int64_t, metadata::artifact> arts;
  for (auto& a : s.get_artifacts(art_ids)) arts[a.id] = a;
  for (bool inputs : {true, false}) {
    b += inputs ? "<h3>Inputs</h3>" : "<h3>Outputs</h3>";
    std::string rows;
    for (auto& ev : events) {
      if ((ev.type == metadata::event_type::input) != inputs || !arts.count(ev.artifact_id)) continue;
      auto& a = arts[ev.artifact_id];
      std::string key = ev.path.empty() ? "" : std::visit([](auto& v) {
        if constexpr (std::is_same_v<std::decay_t<decltype(v)>, std::string>) return v;
        else return std::to_string(v);
      }, ev.path[0]);
      rows += "<tr><td>" + escape(key) + "</td><td><a href=\"" + escape(l.artifact(a.id)) + "\">" + escape(a.type) + " #" +
              std::to_string(a.id) + "</a></td><td><code>" + escape(a.uri) + "</code></td><td><a href=\"" +
              escape(l.lineage(a.id)) + "\">lineage</a></td></tr>";
    }
    b += rows.empty() ? "<p class=\"muted\">none</p>" : "<table><tr><th>port</th><th>artifact</th><th>uri</th><th></th></tr>" + rows + "</table>";
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// artifacts: statistics, evaluation, anomalies; anything else by its files

namespace detail {

/// The anomalies artifact written in the same run as an artifact, if any (to highlight columns).
inline std::optional<mlpipe::anomalies> anomalies_of_run(metadata::store& s, std::int64_t artifact_id) {
  std::int64_t ids[] = {artifact_id};
  for (auto& ev : s.get_events_by_artifact_ids(ids)) {
    auto run = run_of_execution(s, ev.execution_id);
    if (!run) continue;
    for (auto& a : s.get_artifacts_by_context(run->id)) {
      if (a.type != mlpipe::anomalies::type_name) continue;
      try {
        return mlpipe::anomalies::load(a.uri);
      } catch (const std::exception&) {
      }
    }
  }
  return std::nullopt;
}

}  // namespace detail

/// Statistics per split: one row per column, a histogram or value bars; the baseline span overlaid with the
/// drift score when there is one; columns with anomalies highlighted.
inline std::string statistics_view(const example_statistics& st, const std::optional<mlpipe::anomalies>& an) {
  const split_statistics* baseline = nullptr;
  for (auto& sp : st.splits)
    if (sp.name == "baseline") baseline = &sp;
  std::string b;
  if (an) {
    b += "<h3>Anomalies</h3>";
    if (an->items.empty()) b += "<p>none</p>";
    else {
      b += "<table class=\"anomalies\"><tr><th>column</th><th>kind</th><th>description</th></tr>";
      for (auto& a : an->items)
        b += "<tr class=\"anomaly\" data-column=\"" + escape(a.column) + "\"><td>" + escape(a.column) + "</td><td>" +
             escape(to_string(a.kind)) + "</td><td>" + escape(a.description) + "</td></tr>";
      b += "</table>";
    }
  }
  b += "<p class=\"legend\"><span style=\"background:#3b6fd6\"></span>this split" +
       std::string(baseline ? "<span style=\"background:#e8833a\"></span>baseline span" : "") + "</p>";
  auto opt = st.options;
  for (auto& sp : st.splits) {
    if (&sp == baseline) continue;
    b += "<h3 class=\"split\" data-split=\"" + escape(sp.name) + "\">split " + escape(sp.name) + " (" + std::to_string(sp.rows) +
         " rows)</h3><table class=\"columns\"><tr><th>column</th><th>type</th><th>count</th><th>missing</th><th>mean</th>"
         "<th>std</th><th>min</th><th>median</th><th>max</th><th>top values</th><th>distribution</th>" +
         std::string(baseline ? "<th>drift vs baseline</th>" : "") + "</tr>";
    for (auto& c : sp.columns) {
      const column_statistics* bc = nullptr;
      if (baseline)
        for (auto& x : baseline->columns)
          if (x.name() == c.name() && x.kind() == c.kind()) bc = &x;
      bool flagged = an && std::any_of(an->items.begin(), an->items.end(), [&](auto& a) { return a.column == c.name(); });
      auto j = c.to_json(opt);
      double missing_pct = c.rows() ? 100.0 * static_cast<double>(c.rows() - c.present()) / static_cast<double>(c.rows()) : 0;
      b += "<tr class=\"column" + std::string(flagged ? " anomaly" : "") + "\" data-column=\"" + escape(c.name()) + "\"><td>" +
           escape(c.name()) + "</td><td>" + escape(to_string(c.kind())) + "</td><td class=\"num\">" + std::to_string(c.rows()) +
           "</td><td class=\"num\">" + number(missing_pct, 3) + "%</td>";
      if (c.kind() == column_kind::numeric) {
        b += "<td class=\"num\">" + number(c.mean()) + "</td><td class=\"num\">" + number(c.std_dev()) + "</td><td class=\"num\">" +
             number(c.min()) + "</td><td class=\"num\">" + number(c.median()) + "</td><td class=\"num\">" + number(c.max()) +
             "</td><td></td>";
        auto h = detail::to_histogram(j["histogram"]);
        std::optional<histogram_data> bh;
        if (bc) bh = detail::to_histogram(bc->to_json(opt)["histogram"]);
        b += "<td>" + svg_histogram(h, bh ? &*bh : nullptr) + "</td>";
        if (baseline) {
          double js = bc ? js_divergence(c, *bc) : NAN;
          b += "<td class=\"num drift-score\" data-drift=\"" + number(js, 6) + "\">JS " + number(js, 3) + "</td>";
        }
      } else {
        b += "<td></td><td></td><td></td><td></td><td></td><td>" + std::to_string(c.distinct()) + " distinct</td>";
        std::vector<value_bar> bars;
        double total = static_cast<double>(c.present()), btotal = bc ? static_cast<double>(bc->present()) : 0;
        for (auto& v : c.top(std::min<std::size_t>(opt.top_k, 12))) {
          value_bar vb{v.value, static_cast<double>(v.count)};
          if (bc) {
            vb.baseline = 0;
            for (auto& w : bc->top(opt.top_k))
              if (w.value == v.value) vb.baseline = static_cast<double>(w.count);
          }
          bars.push_back(std::move(vb));
        }
        b += "<td>" + svg_value_bars(bars, total, btotal) + "</td>";
        if (baseline) {
          double d = bc ? l_infinity_distance(c.values(), bc->values()) : NAN;
          b += "<td class=\"num drift-score\" data-drift=\"" + number(d, 6) + "\">L∞ " + number(d, 3) + "</td>";
        }
      }
      b += "</tr>";
    }
    b += "</table>";
  }
  return b;
}

/// Metrics per slice (candidate and baseline model side by side), the confusion matrix as a heat map, the blessing.
inline std::string evaluation_view(const std::filesystem::path& dir) {
  auto ev = model_evaluation::load(dir);
  std::string b;
  b += "<h3>Metrics per slice</h3><table class=\"metrics\"><tr><th>slice</th><th>metric</th><th>candidate</th>" +
       std::string(ev.has_baseline() ? "<th>baseline model</th>" : "") + "</tr>";
  for (auto& sl : ev.candidate) {
    const slice_metrics* base = ev.has_baseline() ? ev.find(sl.slice, true) : nullptr;
    for (auto& [k, v] : sl.metrics) {
      b += "<tr><td>" + escape(sl.slice) + "</td><td>" + escape(k) + "</td><td class=\"num\">" + number(v, 5) + "</td>";
      if (ev.has_baseline()) {
        auto bv = base ? base->get(k) : std::nullopt;
        b += "<td class=\"num\">" + (bv ? number(*bv, 5) : std::string("-")) + "</td>";
      }
      b += "</tr>";
    }
  }
  b += "</table>";
  const auto& overall = ev.overall();
  if (!overall.confusion.empty() && !ev.class_names.empty() &&
      overall.confusion.size() == ev.class_names.size() * ev.class_names.size()) {
    std::vector<double> cells(overall.confusion.begin(), overall.confusion.end());
    b += "<h3>Confusion matrix (" + escape(overall.slice) + ")</h3>" + svg_heatmap(ev.class_names, cells);
  }
  return b;
}

namespace detail {
/// A JSON file's document, or null when it cannot be read or parsed (shown as nothing, never thrown).
inline nlohmann::json read_json(const std::filesystem::path& f) {
  std::ifstream in(f, std::ios::binary);
  if (!in) return nullptr;
  auto j = nlohmann::json::parse(in, nullptr, false);
  return j.is_discarded() ? nlohmann::json(nullptr) : j;
}
}  // namespace detail

/// Any other artifact (blessing, schema, model, ...): its JSON files, pretty-printed and escaped.
inline std::string json_view(const std::filesystem::path& dir) {
  std::string b;
  std::error_code ec;
  for (auto& f : std::filesystem::directory_iterator(dir, ec)) {
    if (f.path().extension() != ".json" || f.file_size(ec) > (1u << 20)) continue;
    auto j = detail::read_json(f.path());
    if (j.is_null()) continue;
    b += "<h3>" + escape(f.path().filename().string()) + "</h3><pre>" + escape(j.dump(2)) + "</pre>";
  }
  return b.empty() ? "<p class=\"muted\">nothing to show in " + escape(dir.string()) + "</p>" : b;
}

/// The blessing written beside an evaluation (blessed or not, why, the failed checks) and the thresholds the
/// evaluating node was given.
inline std::string blessing_view(metadata::store& s, std::int64_t evaluation_id) {
  std::int64_t ids[] = {evaluation_id};
  std::string b;
  for (auto& ev : s.get_events_by_artifact_ids(ids)) {
    if (!metadata::store::is_output(ev.type)) continue;
    std::int64_t eids[] = {ev.execution_id};
    for (auto& out : s.get_events_by_execution_ids(eids)) {
      if (!metadata::store::is_output(out.type)) continue;
      auto a = s.get_artifact(out.artifact_id);
      if (!a || a->type != "ModelBlessing") continue;
      auto j = detail::read_json(std::filesystem::path(a->uri) / "blessing.json");
      if (!j.is_object()) continue;
      bool blessed = j.value("blessed", false);
      b += "<h3>Blessing</h3><p class=\"blessing\" data-blessed=\"" + std::string(blessed ? "true" : "false") + "\">" +
           detail::badge(blessed ? "BLESSED" : "NOT BLESSED") + " " + escape(j.value("reason", "")) + "</p>";
      if (j.contains("failures") && j["failures"].is_array() && !j["failures"].empty()) {
        b += "<ul>";
        for (auto& f : j["failures"]) b += "<li>" + escape(f.is_string() ? f.get<std::string>() : f.dump()) + "</li>";
        b += "</ul>";
      }
    }
    if (auto e = s.get_execution(ev.execution_id)) {
      auto params = metadata::detail::execution_json(*e)["parameters"];
      if (params.contains("thresholds"))
        b += "<h3>Thresholds</h3><pre>" + escape(params["thresholds"].is_string() ? params["thresholds"].get<std::string>()
                                                                                 : params["thresholds"].dump(2)) + "</pre>";
    }
    break;
  }
  return b;
}

inline std::string artifact_section(metadata::store& s, std::int64_t id, const links& l) {
  auto a = s.get_artifact(id);
  if (!a) throw not_found("no artifact " + std::to_string(id) + " in " + s.describe());
  std::string b = "<h2 id=\"artifact-" + std::to_string(id) + "\">" + escape(a->type) + " #" + std::to_string(id) + "</h2>";
  b += "<p><code>" + escape(a->uri) + "</code> " + escape(metadata::to_string(a->state)) + " &middot; <a href=\"" +
       escape(l.lineage(id)) + "\">lineage</a></p>";
  std::error_code ec;
  if (!std::filesystem::is_directory(a->uri, ec)) return b + "<p class=\"muted\">the artifact's directory is gone</p>";
  try {
    if (a->type == example_statistics::type_name)
      b += statistics_view(example_statistics::load(a->uri), detail::anomalies_of_run(s, id));
    else if (a->type == model_evaluation::type_name)
      b += evaluation_view(a->uri) + blessing_view(s, id);
    else
      b += json_view(a->uri);
  } catch (const std::exception& e) {
    b += "<p class=\"error\">cannot read this artifact: " + escape(e.what()) + "</p>";
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------------
// history, compare, lineage

/// A figure over runs as a line chart (at most `max_points` drawn), with the figure's choice.
inline std::string history_section(metadata::store& s, std::string_view figure, std::string_view node,
                                   std::string_view pipeline, const links& l, std::size_t max_points = 1000) {
  auto names = figure_names(s);
  std::string chosen(figure);
  if (chosen.empty() && !names.empty())
    chosen = std::find(names.begin(), names.end(), "auc") != names.end() ? "auc" : names.front();
  std::string b;
  if (!l.report) {
    b = "<h1>History</h1><form method=\"get\" action=\"/history\">figure: <select name=\"figure\" "
        "onchange=\"this.form.submit()\">";
    for (auto& n : names)
      b += "<option" + std::string(n == chosen ? " selected" : "") + " value=\"" + escape(n) + "\">" + escape(n) + "</option>";
    b += "</select></form>";
  }
  if (chosen.empty()) return b + "<p class=\"muted\">no figures recorded</p>";
  auto pts = figure_over_runs(s, chosen, node, pipeline);
  std::vector<series_point> series;
  for (std::size_t i = 0; i < pts.size(); ++i)
    series.push_back({static_cast<double>(i), pts[i].value, pts[i].run, l.report ? "" : l.run(pts[i].run)});
  auto drawn = downsample(series, max_points);
  b += "<h2 class=\"history\" data-figure=\"" + escape(chosen) + "\">" + escape(chosen) + " over " + std::to_string(pts.size()) + " run" + (pts.size() == 1 ? "" : "s") +
       (drawn.size() < series.size() ? " (" + std::to_string(drawn.size()) + " points drawn)" : "") + "</h2>";
  return b + svg_line_chart(drawn);
}

inline std::string compare_section(metadata::store& s, std::string_view a, std::string_view b_run, const links& l) {
  std::string b = "<h1>Compare runs</h1><form method=\"get\" action=\"/compare\">run <input name=\"a\" value=\"" + escape(a) +
                  "\"> with <input name=\"b\" value=\"" + escape(b_run) + "\"> <button>compare</button></form>";
  if (a.empty() || b_run.empty()) return b;
  nlohmann::json c;
  try {
    c = metadata::compare_runs(s, a, b_run);
  } catch (const metadata::store_error& e) {
    throw not_found(e.what());
  }
  auto ra = c["runs"][0].get<std::string>(), rb = c["runs"][1].get<std::string>();
  b += "<table class=\"compare\"><tr><th>node</th><th>what</th><th><a href=\"" + escape(l.run(ra)) + "\">" + escape(ra) +
       "</a></th><th><a href=\"" + escape(l.run(rb)) + "\">" + escape(rb) + "</a></th></tr>";
  for (auto& n : c["nodes"]) {
    std::string node = escape(detail::text_of(n["node"]));
    b += "<tr" + std::string(n["differs"].get<bool>() ? " class=\"anomaly\"" : "") + "><td>" + node + "</td><td>state</td><td>" +
         escape(detail::text_of(n["state"][0])) + "</td><td>" + escape(detail::text_of(n["state"][1])) + "</td></tr>";
    for (auto kind : {"parameters", "records"})
      for (auto& [k, v] : n[kind].items()) {
        bool differs = v[0] != v[1];
        b += "<tr" + std::string(differs ? " class=\"anomaly\"" : "") + "><td>" + node + "</td><td>" + escape(k) + "</td><td>" +
             escape(detail::text_of(v[0])) + "</td><td>" + escape(detail::text_of(v[1])) + "</td></tr>";
      }
  }
  return b + "</table>";
}

/// An artifact's lineage back to its input files, as a graph of executions and artifacts.
inline std::string lineage_section(metadata::store& s, std::int64_t id, const links& l) {
  nlohmann::json lin;
  try {
    lin = metadata::lineage(s, std::to_string(id));
  } catch (const metadata::store_error& e) {
    throw not_found(e.what());
  }
  graph g;
  g.rankdir = "RL";
  std::set<std::int64_t> arts;
  auto add_art = [&](const nlohmann::json& a) {
    auto aid = a["id"].get<std::int64_t>();
    if (arts.insert(aid).second)
      g.nodes.push_back({"a" + std::to_string(aid), detail::text_of(a["type"]) + " #" + std::to_string(aid), "artifact",
                         l.artifact(aid), detail::text_of(a["uri"]), "note"});
  };
  add_art(lin["artifact"]);
  for (auto& st : lin["steps"]) {
    auto eid = st["id"].get<std::int64_t>();
    g.nodes.push_back({"e" + std::to_string(eid), detail::text_of(st["node"]) + "\n" + detail::text_of(st["stage"]),
                       "lineage-step state-" + detail::state_class(detail::text_of(st["state"])), l.execution(eid), "", "box"});
    for (auto& o : st["outputs"]) {
      add_art(o);
      g.edges.push_back({"a" + std::to_string(o["id"].get<std::int64_t>()), "e" + std::to_string(eid), ""});
    }
    for (auto& in : st["inputs"]) {
      add_art(in);
      g.edges.push_back({"e" + std::to_string(eid), "a" + std::to_string(in["id"].get<std::int64_t>()), ""});
    }
  }
  std::string b = "<h2 id=\"lineage-" + std::to_string(id) + "\">Lineage of " + escape(detail::text_of(lin["artifact"]["type"])) +
                  " #" + std::to_string(id) + "</h2>" + draw(g);
  b += "<h3>Sources</h3><table><tr><th>node</th><th>parameters</th></tr>";
  for (auto& src : lin["sources"])
    b += "<tr><td>" + escape(detail::text_of(src["node"])) + "</td><td>" + escape(src["parameters"].dump()) + "</td></tr>";
  return b + "</table>";
}

}  // namespace mlpipe::ui
