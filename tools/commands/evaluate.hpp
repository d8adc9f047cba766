// tools/commands/evaluate.hpp: `mlpipe evaluate DIR FILE.csv`: every metric of the model that `mlpipe train`
// wrote to DIR, on FILE, overall and per slice, optionally against a baseline model and thresholds.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/evaluate/blessing.hpp>
#include <mlpipe/evaluate/evaluate.hpp>

namespace mlpipe::tools {

namespace detail {

// "auc>=0.8", "log_loss<=0.5", "auc>=baseline-0.01" (change threshold, TFMA absolute), "auc@sex=F>=0.7".
inline metric_threshold parse_threshold(const std::string& text) {
  auto fail = [&]() -> metric_threshold {
    throw CLI::ValidationError("--threshold", "'" + text +
                                                  "' is not METRIC>=VALUE, METRIC<=VALUE or METRIC>=baseline[+-DELTA] "
                                                  "(optionally METRIC@SLICE...)");
  };
  auto ge = text.find(">="), le = text.find("<=");
  if ((ge == std::string::npos) == (le == std::string::npos)) return fail();
  const bool at_least_op = ge != std::string::npos;
  const auto op = at_least_op ? ge : le;
  std::string lhs = text.substr(0, op), rhs = text.substr(op + 2), slice;
  if (auto at = lhs.find('@'); at != std::string::npos) slice = lhs.substr(at + 1), lhs.resize(at);
  if (lhs.empty() || rhs.empty()) return fail();
  metric_threshold t;
  try {
    if (rhs.rfind("baseline", 0) == 0) {
      std::string delta = rhs.substr(8);
      double d = delta.empty() ? 0.0 : std::stod(delta);
      t = change_threshold(lhs, at_least_op ? metric_direction::higher_is_better : metric_direction::lower_is_better, d);
    } else {
      std::size_t used = 0;
      double v = std::stod(rhs, &used);
      if (used != rhs.size()) return fail();
      t = at_least_op ? at_least(lhs, v) : at_most(lhs, v);
    }
  } catch (const std::logic_error&) {
    return fail();
  }
  t.slice = slice;
  return t;
}

inline void print_slice(const slice_metrics& s, const slice_metrics* base) {
  std::printf("%s\n", s.slice.c_str());
  for (const auto& [k, v] : s.metrics) {
    if (base) {
      auto b = base->get(k);
      if (b)
        std::printf("  %-28s %14.6g   baseline %14.6g   change %+.6g\n", k.c_str(), v, *b, v - *b);
      else
        std::printf("  %-28s %14.6g   baseline %14s\n", k.c_str(), v, "-");
    } else {
      std::printf("  %-28s %14.6g\n", k.c_str(), v);
    }
  }
}

inline void print_confusion(const model_evaluation& ev) {
  const auto& cm = ev.overall().confusion;
  const std::size_t k = ev.class_names.size();
  if (cm.empty() || k * k != cm.size()) return;
  std::printf("confusion matrix (rows: true class, columns: predicted)\n  %-16s", "");
  for (const auto& c : ev.class_names) std::printf(" %12.12s", c.c_str());
  std::printf("\n");
  for (std::size_t t = 0; t < k; ++t) {
    std::printf("  %-16.16s", ev.class_names[t].c_str());
    for (std::size_t p = 0; p < k; ++p) std::printf(" %12llu", static_cast<unsigned long long>(cm[t * k + p]));
    std::printf("\n");
  }
}

}  // namespace detail

inline void add_evaluate_commands(CLI::App& app, int& exit_code) {
  struct options {
    std::string dir, file, baseline;
    std::vector<std::string> slices, thresholds;
    bool json = false;
  };
  auto opt = std::make_shared<options>();
  auto* cmd = app.add_subcommand("evaluate", "Every metric of a trained model (from `mlpipe train -o DIR`) on a CSV file");
  cmd->add_option("DIR", opt->dir, "Directory the model and its transform were written to")->required();
  cmd->add_option("FILE", opt->file, "CSV file with the label column")->required();
  cmd->add_option("--slice", opt->slices, "Also compute metrics per value of this column (\"a,b\" crosses two)");
  cmd->add_option("--baseline", opt->baseline, "Directory of a baseline model to compare with");
  cmd->add_option("--threshold", opt->thresholds,
                  "Blessing threshold: auc>=0.8, log_loss<=0.5, auc>=baseline-0.01, auc@sex=F>=0.7; "
                  "exit status 1 when not blessed");
  cmd->add_flag("--json", opt->json, "Print the ModelEvaluation (and ModelBlessing) as JSON");
  cmd->callback([opt, &exit_code] {
    std::vector<metric_threshold> thresholds;
    for (const auto& t : opt->thresholds) thresholds.push_back(detail::parse_threshold(t));
    auto cand = load_trained_model(opt->dir);
    // read the feature columns with the types the transform was fitted on, so inference cannot disagree
    csv_options csv;
    for (const auto& c : cand.transform.columns) csv.column_types[c.column] = c.input_kind;
    table t = read_csv(opt->file, csv);
    // named here, with the file and the model's directory, rather than as the transform's "the table"
    auto need = [&](const std::string& column, const char* what) {
      if (!t.index_of(column))
        throw std::runtime_error(opt->file + ": no column '" + column + "', which the model in " + opt->dir +
                                 " needs (" + what + ")");
    };
    need(cand.m.label(), "its label");
    for (const auto& c : cand.transform.columns) need(c.column, "a feature column");
    std::optional<trained_model> base;
    if (!opt->baseline.empty()) base = load_trained_model(opt->baseline);
    auto ev = evaluate_model(cand.m, cand.transform, t, opt->slices, base ? &*base : nullptr);
    std::optional<model_blessing> blessing;
    if (!thresholds.empty()) blessing = bless(ev, thresholds);
    if (opt->json) {
      nlohmann::json j = {{"evaluation", ev.to_json()}};
      if (blessing) j["blessing"] = blessing->to_json();
      std::cout << j.dump(2) << '\n';
    } else {
      std::printf("%s model on %s: label '%s', %zu rows\n", std::string(to_string(ev.task)).c_str(), opt->file.c_str(),
                  cand.m.label().c_str(), t.rows());
      for (const auto& s : ev.candidate) detail::print_slice(s, ev.find(s.slice, true));
      detail::print_confusion(ev);
      if (blessing) {
        std::printf("%s\n", blessing->reason.c_str());
        for (const auto& f : blessing->failures) std::printf("  FAILED %s\n", f.message.c_str());
      }
    }
    exit_code = blessing && !blessing->blessed ? 1 : 0;
  });
}

}  // namespace mlpipe::tools
