// mlpipe/evaluate/impl/model_evaluation.ipp: bodies of evaluate/model_evaluation.hpp's non-template functions (compiled once into libmlpipe by
// src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/evaluate/model_evaluation.hpp>

#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL nlohmann::json model_evaluation::to_json() const {
  auto slices = [](const std::vector<slice_metrics>& v) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : v) {
      nlohmann::json o = {{"slice", s.slice}, {"metrics", s.metrics}};
      if (!s.confusion.empty()) o["confusion_matrix"] = s.confusion;
      a.push_back(std::move(o));
    }
    return a;
  };
  nlohmann::json j = {{"format", "mlpipe.ModelEvaluation"}, {"version", 1}, {"task", std::string(to_string(task))},
                      {"class_names", class_names}, {"candidate", slices(candidate)}};
  j["baseline"] = baseline ? slices(*baseline) : nlohmann::json(nullptr);
  return j;
}

MLPIPE_DECL model_evaluation model_evaluation::from_json(const nlohmann::json& j) {
  if (!detail::json_format_is(j, "mlpipe.ModelEvaluation"))
    throw std::runtime_error("not a ModelEvaluation (format field is " + detail::json_format_shown(j) + ")");
  if (detail::json_version(j) != 1)
    throw std::runtime_error("ModelEvaluation version " + detail::json_version_shown(j) +
                             " is not supported (expected 1)");
  model_evaluation e;
  e.task = task_kind_from_string(j.at("task").get<std::string>());
  e.class_names = j.at("class_names").get<std::vector<std::string>>();
  auto slices = [](const nlohmann::json& a) {
    std::vector<slice_metrics> v;
    for (const auto& o : a) {
      slice_metrics s;
      s.slice = o.at("slice").get<std::string>();
      s.metrics = o.at("metrics").get<metric_values>();
      if (o.contains("confusion_matrix")) s.confusion = o["confusion_matrix"].get<std::vector<std::uint64_t>>();
      v.push_back(std::move(s));
    }
    return v;
  };
  e.candidate = slices(j.at("candidate"));
  if (!j.at("baseline").is_null()) e.baseline = slices(j["baseline"]);
  return e;
}

MLPIPE_DECL model_evaluation model_evaluation::load(const std::filesystem::path& dir) {
  return detail::load_json_file(dir / "evaluation.json", "no ModelEvaluation there",
                                [](const nlohmann::json& j) { return from_json(j); });
}

MLPIPE_DECL std::vector<slice_metrics> detail::metrics_per_slice(const predictions& p, const std::vector<slice_rows>& slices) {
  std::vector<slice_metrics> out;
  out.reserve(slices.size());
  for (const auto& s : slices) {
    predictions selected;
    const bool all = s.rows.size() == p.size();  // the overall slice: no copy
    if (!all) selected = p.select(s.rows);
    const predictions& sub = all ? p : selected;
    slice_metrics m{s.key, compute_metrics(sub), {}};
    if (p.task != task_kind::regression) m.confusion = confusion_matrix(sub.label, sub.predicted_class(), sub.classes).counts();
    out.push_back(std::move(m));
  }
  return out;
}

MLPIPE_DECL model_evaluation evaluate_predictions(const predictions& candidate, const std::vector<slice_rows>& slices, const predictions* baseline) {
  candidate.check();
  model_evaluation e;
  e.task = candidate.task;
  for (std::size_t c = 0; c < candidate.classes; ++c) e.class_names.push_back(candidate.class_name(c));
  e.candidate = detail::metrics_per_slice(candidate, slices);
  if (baseline) {
    baseline->check();
    if (baseline->size() != candidate.size() || baseline->task != candidate.task ||
        baseline->classes != candidate.classes)
      throw std::invalid_argument("evaluate: the baseline's predictions (" + std::string(to_string(baseline->task)) +
                                  ", " + std::to_string(baseline->size()) + " rows) do not match the candidate's (" +
                                  std::string(to_string(candidate.task)) + ", " + std::to_string(candidate.size()) +
                                  " rows)");
    e.baseline = detail::metrics_per_slice(*baseline, slices);
  }
  return e;
}

MLPIPE_DECL const slice_metrics& model_evaluation::overall() const {
  if (candidate.empty()) throw std::logic_error("model_evaluation: no slices");
  return candidate.front();
}

MLPIPE_DECL void model_evaluation::save(const std::filesystem::path& dir) const {
  detail::write_json_file(dir / "evaluation.json", to_json());
}

MLPIPE_DECL std::uint64_t model_evaluation::fingerprint() const {
  return detail::json_fingerprint(to_json(), 0x6576616cULL);
}

}  // namespace mlpipe
