// mlpipe/evaluate/metrics.hpp: every evaluation metric of a set of predictions, by name, in one call.
// `predictions` holds what a model said about some examples; compute_metrics gives {"auc": 0.93, ...}.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/evaluate/classification_metrics.hpp>
#include <mlpipe/evaluate/log_loss.hpp>
#include <mlpipe/evaluate/regression_metrics.hpp>
#include <mlpipe/evaluate/roc_auc.hpp>

namespace mlpipe {

/// What a model predicts: a number (regression) or one of two or more classes.
enum class task_kind : std::uint8_t { regression, binary, multiclass };

inline std::string_view to_string(task_kind t) noexcept {
  switch (t) {
    case task_kind::regression: return "regression";
    case task_kind::binary: return "binary";
    default: return "multiclass";
  }
}
inline task_kind task_kind_from_string(std::string_view s) {
  if (s == "regression") return task_kind::regression;
  if (s == "binary") return task_kind::binary;
  if (s == "multiclass") return task_kind::multiclass;
  throw std::invalid_argument("unknown task '" + std::string(s) + "' (expected regression, binary or multiclass)");
}

/// Named metric values, sorted by name.
using metric_values = std::map<std::string, double>;

/// A model's predictions for a set of examples, with the true labels.
///  - regression: `target` and `value`;
///  - classification: `label` (true class ids), `proba` (row-major, rows × classes), `classes`, and
///    optionally `class_names` (else "0", "1", ...). The predicted class is the most probable one (first on a
///    tie), so for two classes it is class 1 when its probability exceeds 0.5, as scikit-learn's predict.
struct predictions {
  task_kind task = task_kind::regression;
  std::vector<double> target, value;
  std::vector<int> label;
  std::vector<double> proba;
  std::size_t classes = 0;
  std::vector<std::string> class_names;

  std::size_t size() const noexcept { return task == task_kind::regression ? target.size() : label.size(); }

  /// The predicted class of each example (argmax of its probabilities).
  std::vector<int> predicted_class() const {
    std::vector<int> out(label.size());
    for (std::size_t i = 0; i < out.size(); ++i) {
      std::size_t best = 0;
      for (std::size_t c = 1; c < classes; ++c)
        if (proba[i * classes + c] > proba[i * classes + best]) best = c;
      out[i] = static_cast<int>(best);
    }
    return out;
  }

  /// Only the given rows (for slices).
  predictions select(std::span<const std::size_t> rows) const {
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

  std::string class_name(std::size_t c) const { return c < class_names.size() ? class_names[c] : std::to_string(c); }

  /// Throws std::invalid_argument when the fields disagree in size.
  void check() const {
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
};

/// Whether a larger value of the metric is better (auc, accuracy, f1, r2, ...) or a smaller one (log_loss,
/// rmse, mse, mae). nullopt for a name this library does not compute.
inline std::optional<bool> higher_is_better(std::string_view metric) {
  auto base = metric.substr(0, metric.find('/'));
  if (base == "log_loss" || base == "rmse" || base == "mse" || base == "mae") return false;
  if (base == "auc" || base == "accuracy" || base == "r2" || base == "example_count" ||
      base.starts_with("precision") || base.starts_with("recall") || base.starts_with("f1"))
    return true;
  return std::nullopt;
}

/// Every metric of the task:
///  - regression: example_count, rmse, mse, mae, r2;
///  - classification: example_count, accuracy, precision_macro, recall_macro, f1_macro, precision_micro,
///    recall_micro, f1_micro, precision/<class>, recall/<class>, f1/<class>, log_loss, auc (one-vs-rest macro
///    for several classes); binary also precision, recall, f1 of class 1.
/// A metric that is undefined on these examples (no examples; AUC with one class only) is left out, so a
/// threshold on it fails as "metric not found".
inline metric_values compute_metrics(const predictions& p) {
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
