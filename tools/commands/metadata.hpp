// tools/commands/metadata.hpp: `mlpipe runs | show RUN | lineage ARTIFACT_OR_MODEL | compare RUN RUN | history`.
// Reports over the metadata store; each takes --store URL and --json.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <ctime>
#include <exception>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/reports.hpp>

namespace mlpipe::tools {

namespace detail_metadata {

struct options {
  std::string store = metadata::default_store_url();
  bool json = false;
  std::string a, b, metric, node, pipeline;
};

inline std::string utc(const nlohmann::json& ms) {
  if (!ms.is_number()) return "-";
  std::time_t t = static_cast<std::time_t>(ms.get<double>() / 1000.0);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

inline std::string text(const nlohmann::json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return metadata::to_text(metadata::value{v.get<double>()});
  return v.dump();
}

inline std::string props(const nlohmann::json& o) {
  std::string s;
  for (auto& [k, v] : o.items()) s += (s.empty() ? "" : ", ") + k + "=" + text(v);
  return s.empty() ? "-" : s;
}

inline std::string pad(std::string s, std::size_t w) {
  if (s.size() < w) s.append(w - s.size(), ' ');
  return s;
}

inline void print_runs(const nlohmann::json& runs) {
  std::printf("%s %s %s %s %s\n", pad("RUN", 28).c_str(), pad("PIPELINE", 16).c_str(), pad("STATE", 10).c_str(),
              pad("STARTED (UTC)", 20).c_str(), "EXECUTIONS");
  for (auto& r : runs) {
    std::string counts;
    for (auto& [k, v] : r["executions"].items()) counts += (counts.empty() ? "" : ", ") + std::to_string(v.get<int>()) + " " + k;
    std::printf("%s %s %s %s %s\n", pad(text(r["run"]), 28).c_str(), pad(text(r["pipeline"]), 16).c_str(),
                pad(text(r["state"]), 10).c_str(), pad(utc(r["started_ms"]), 20).c_str(), counts.c_str());
  }
  if (runs.empty()) std::printf("(no runs recorded)\n");
}

inline void print_artifacts(const char* label, const nlohmann::json& arts) {
  for (auto& a : arts)
    std::printf("      %s %s #%s %s [%s]\n", label, text(a["type"]).c_str(), text(a["id"]).c_str(),
                text(a["uri"]).c_str(), text(a["state"]).c_str());
}

inline void print_run(const nlohmann::json& r) {
  std::printf("run %s  pipeline %s  %s  started %s UTC\n", text(r["run"]).c_str(), text(r["pipeline"]).c_str(),
              text(r["state"]).c_str(), utc(r["started_ms"]).c_str());
  for (auto& n : r["nodes"]) {
    std::printf("  %s (%s)  %s  execution %s", text(n["node"]).c_str(), text(n["stage"]).c_str(),
                text(n["state"]).c_str(), text(n["id"]).c_str());
    if (n.contains("cached_from")) std::printf("  reused execution %s", text(n["cached_from"]).c_str());
    std::printf("\n      parameters: %s\n      records:    %s\n", props(n["parameters"]).c_str(), props(n["records"]).c_str());
    if (n.contains("error")) std::printf("      error: %s\n", text(n["error"]).c_str());
    if (n.contains("skipped_because")) std::printf("      skipped: %s failed or was skipped\n", text(n["skipped_because"]).c_str());
    print_artifacts("in: ", n["inputs"]);
    print_artifacts("out:", n["outputs"]);
  }
}

inline void print_lineage(const nlohmann::json& l) {
  auto& a = l["artifact"];
  std::printf("%s #%s  %s  [%s]\n", text(a["type"]).c_str(), text(a["id"]).c_str(), text(a["uri"]).c_str(),
              text(a["state"]).c_str());
  for (auto& s : l["steps"]) {
    std::printf("  <- %s (%s)  execution %s  run %s  %s\n", text(s["node"]).c_str(), text(s["stage"]).c_str(),
                text(s["id"]).c_str(), text(s["run"]).c_str(), utc(s["created_ms"]).c_str());
    std::printf("       parameters: %s\n", props(s["parameters"]).c_str());
    if (!s["records"].empty()) std::printf("       records:    %s\n", props(s["records"]).c_str());
    for (auto& i : s["inputs"])
      std::printf("       from %s #%s %s\n", text(i["type"]).c_str(), text(i["id"]).c_str(), text(i["uri"]).c_str());
  }
  for (auto& s : l["sources"])
    std::printf("source: %s read %s\n", text(s["node"]).c_str(), props(s["parameters"]).c_str());
}

inline void print_compare(const nlohmann::json& c) {
  std::printf("%s %s %s %s\n", pad("NODE / NAME", 36).c_str(), pad(text(c["runs"][0]), 28).c_str(),
              pad(text(c["runs"][1]), 28).c_str(), "");
  for (auto& n : c["nodes"]) {
    auto line = [&](const std::string& name, const nlohmann::json& v) {
      bool diff = v[0] != v[1];
      std::printf("%s %s %s %s\n", pad(name, 36).c_str(), pad(text(v[0]), 28).c_str(), pad(text(v[1]), 28).c_str(),
                  diff ? "*" : "");
    };
    line(text(n["node"]) + " (" + text(n["stage"]) + ")", n["state"]);
    for (auto& [k, v] : n["parameters"].items()) line("  " + k, v);
    for (auto& [k, v] : n["records"].items()) line("  " + k + " (record)", v);
  }
}

inline void print_history(const nlohmann::json& h, const std::string& metric) {
  std::printf("%s %s %s %s\n", pad("RUN", 28).c_str(), pad("NODE", 16).c_str(), pad("TIME (UTC)", 20).c_str(),
              metric.c_str());
  for (auto& r : h)
    std::printf("%s %s %s %s%s\n", pad(text(r["run"]), 28).c_str(), pad(text(r["node"]), 16).c_str(),
                pad(utc(r["time_ms"]), 20).c_str(), text(r["value"]).c_str(),
                r["state"] == "CACHED" ? "  (cached)" : "");
  if (h.empty()) std::printf("(no execution recorded '%s')\n", metric.c_str());
}

template <class F>
void guarded(const char* cmd, int& exit_code, F&& f) {
  try {
    f();
    exit_code = 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlpipe %s: error: %s\n", cmd, e.what());
    exit_code = 1;
  }
}

inline void common(CLI::App* c, options& o) {
  c->add_option("--store", o.store, "Metadata store: sqlite:PATH or mariadb://user:password@host:port/database")
      ->capture_default_str();
  c->add_flag("--json", o.json, "Print JSON instead of text");
}

}  // namespace detail_metadata

/// Registers the metadata reports: runs, show, lineage, compare, history.
inline void add_metadata_commands(CLI::App& app, int& exit_code) {
  namespace dm = detail_metadata;
  using json = nlohmann::json;

  {
    auto o = std::make_shared<dm::options>();
    auto c = app.add_subcommand("runs", "List the recorded runs (oldest first)");
    dm::common(c, *o);
    c->add_option("--pipeline", o->pipeline, "Only this pipeline's runs");
    c->callback([o, &exit_code] {
      dm::guarded("runs", exit_code, [&] {
        auto s = metadata::open_store_read_only(o->store);
        auto r = metadata::list_runs(*s, o->pipeline);
        if (o->json) std::cout << r.dump(2) << '\n';
        else dm::print_runs(r);
      });
    });
  }
  {
    auto o = std::make_shared<dm::options>();
    auto c = app.add_subcommand("show", "One run: each node's execution, parameters, records, inputs and outputs");
    c->add_option("RUN", o->a, "Run name, id, unique prefix, or 'latest'")->required();
    dm::common(c, *o);
    c->callback([o, &exit_code] {
      dm::guarded("show", exit_code, [&] {
        auto s = metadata::open_store_read_only(o->store);
        auto r = metadata::show_run(*s, o->a);
        if (o->json) std::cout << r.dump(2) << '\n';
        else dm::print_run(r);
      });
    });
  }
  {
    auto o = std::make_shared<dm::options>();
    auto c = app.add_subcommand("lineage", "What an artifact or model came from, back to the input files");
    c->add_option("ARTIFACT_OR_MODEL", o->a, "Artifact id, artifact directory, or a type such as 'model'")->required();
    dm::common(c, *o);
    c->callback([o, &exit_code] {
      dm::guarded("lineage", exit_code, [&] {
        auto s = metadata::open_store_read_only(o->store);
        auto r = metadata::lineage(*s, o->a);
        if (o->json) std::cout << r.dump(2) << '\n';
        else dm::print_lineage(r);
      });
    });
  }
  {
    auto o = std::make_shared<dm::options>();
    auto c = app.add_subcommand("compare", "Two runs side by side: parameters and summary figures (* = differs)");
    c->add_option("RUN_A", o->a, "First run")->required();
    c->add_option("RUN_B", o->b, "Second run")->required();
    dm::common(c, *o);
    c->callback([o, &exit_code] {
      dm::guarded("compare", exit_code, [&] {
        auto s = metadata::open_store_read_only(o->store);
        auto r = metadata::compare_runs(*s, o->a, o->b);
        if (o->json) std::cout << r.dump(2) << '\n';
        else dm::print_compare(r);
      });
    });
  }
  {
    auto o = std::make_shared<dm::options>();
    auto c = app.add_subcommand("history", "A metric (any recorded summary figure) across runs");
    c->add_option("--metric", o->metric, "The figure's name, e.g. auc or rows")->required();
    c->add_option("--node", o->node, "Only this node's executions");
    dm::common(c, *o);
    c->callback([o, &exit_code] {
      dm::guarded("history", exit_code, [&] {
        auto s = metadata::open_store_read_only(o->store);
        json r = metadata::metric_history(*s, o->metric, o->node);
        if (o->json) std::cout << r.dump(2) << '\n';
        else dm::print_history(r, o->metric);
      });
    });
  }
}

}  // namespace mlpipe::tools
