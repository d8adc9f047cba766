// mlpipe/evaluate/impl/metrics.ipp: bodies of evaluate/metrics.hpp's non-template functions (predictions,
// compute_metrics): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/metrics.hpp>

#include <cmath>
#include <stdexcept>

namespace mlpipe {

MLPIPE_DECL task_kind task_kind_from_string(std::string_view s) {
  if (s == "regression") return task_kind::regression;
  if (s == "binary") return task_kind::binary;
  if (s == "multiclass") return task_kind::multiclass;
  throw std::invalid_argument("unknown task '" + std::string(s) + "' (expected regression, binary or multiclass)");
}

MLPIPE_DECL std::vector<int> predictions::predicted_class() const {
  std::vector<int> out(label.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::size_t best = 0;
    for (std::size_t c = 1; c < classes; ++c)
      if (proba[i * classes + c] > proba[i * classes + best]) best = c;
    out[i] = static_cast<int>(best);
  }
  return out;
}

MLPIPE_DECL predictions predictions::select(std::span<const std::size_t> rows) const {
  predictions p;
  p.task = task;
  p.classes = classes;
  p.class_names = class_names;
  if (task == task_kind::regression) {
    p.target.reserve(rows.size());
    p.value.reserve(rows.size());
    for (auto r : rows) p.target.push_back(target.at(r)), p.value.push_back(value.at(r));
  } else {
    p.label.reserve(rows.size());
    p.proba.reserve(rows.size() * classes);
    for (auto r : rows) {
      p.label.push_back(label.at(r));
      for (std::size_t c = 0; c < classes; ++c) p.proba.push_back(proba.at(r * classes + c));
    }
  }
  return p;
}

MLPIPE_DECL std::string predictions::class_name(std::size_t c) const {
  return c < class_names.size() ? class_names[c] : std::to_string(c);
}

MLPIPE_DECL void predictions::check() const {
  if (task == task_kind::regression) {
    if (target.size() != value.size())
      throw std::invalid_argument("predictions: " + std::to_string(target.size()) + " targets but " +
                                  std::to_string(value.size()) + " predicted values");
    return;
  }
  if (classes < 2) throw std::invalid_argument("predictions: a classification needs at least 2 classes");
  if (task == task_kind::binary && classes != 2)
    throw std::invalid_argument("predictions: a binary task has 2 classes, not " + std::to_string(classes));
  if (proba.size() != label.size() * classes)
    throw std::invalid_argument("predictions: " + std::to_string(label.size()) + " labels need " +
                                std::to_string(label.size() * classes) + " probabilities, got " +
                                std::to_string(proba.size()));
  if (!class_names.empty() && class_names.size() != classes)
    throw std::invalid_argument("predictions: " + std::to_string(class_names.size()) + " class names for " +
                                std::to_string(classes) + " classes");
}

MLPIPE_DECL std::optional<bool> higher_is_better(std::string_view metric) {
  auto base = metric.substr(0, metric.find('/'));
  if (base == "log_loss" || base == "rmse" || base == "mse" || base == "mae") return false;
  if (base == "auc" || base == "accuracy" || base == "r2" || base == "example_count" ||
      base.starts_with("precision") || base.starts_with("recall") || base.starts_with("f1"))
    return true;
  return std::nullopt;
}

MLPIPE_DECL metric_values compute_metrics(const predictions& p) {
  p.check();
  metric_values m;
  const std::size_t n = p.size();
  m["example_count"] = static_cast<double>(n);
  if (n == 0) return m;
  auto put = [&](const std::string& name, double v) {
    if (!std::isnan(v)) m[name] = v;
  };
  if (p.task == task_kind::regression) {
    put("rmse", rmse(p.target, p.value));
    put("mse", mean_squared_error(p.target, p.value));
    put("mae", mae(p.target, p.value));
    put("r2", r2(p.target, p.value));
    return m;
  }
  const auto pred = p.predicted_class();
  const auto s = classification_report(p.label, pred, p.classes);
  put("accuracy", s.accuracy);
  put("precision_macro", s.macro_precision);
  put("recall_macro", s.macro_recall);
  put("f1_macro", s.macro_f1);
  put("precision_micro", s.micro_precision);
  put("recall_micro", s.micro_recall);
  put("f1_micro", s.micro_f1);
  for (std::size_t c = 0; c < p.classes; ++c) {
    put("precision/" + p.class_name(c), s.per_class[c].precision);
    put("recall/" + p.class_name(c), s.per_class[c].recall);
    put("f1/" + p.class_name(c), s.per_class[c].f1);
  }
  if (p.task == task_kind::binary) {
    put("precision", s.per_class[1].precision);
    put("recall", s.per_class[1].recall);
    put("f1", s.per_class[1].f1);
  }
  put("log_loss", log_loss(p.label, p.proba, p.classes));
  put("auc", roc_auc_ovr(p.label, p.proba, p.classes));
  return m;
}

}  // namespace mlpipe
