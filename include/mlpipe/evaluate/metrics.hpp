// mlpipe/evaluate/metrics.hpp: every evaluation metric of a set of predictions, by name, in one call.
// `predictions` holds what a model said about some examples; compute_metrics gives {"auc": 0.93, ...}.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
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
MLPIPE_DECL task_kind task_kind_from_string(std::string_view s);

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
  std::vector<int> predicted_class() const;

  /// Only the given rows (for slices).
  predictions select(std::span<const std::size_t> rows) const;

  std::string class_name(std::size_t c) const;

  /// Throws std::invalid_argument when the fields disagree in size.
  void check() const;
};

/// Whether a larger value of the metric is better (auc, accuracy, f1, r2, ...) or a smaller one (log_loss,
/// rmse, mse, mae). nullopt for a name this library does not compute.
MLPIPE_DECL std::optional<bool> higher_is_better(std::string_view metric);

/// Every metric of the task:
///  - regression: example_count, rmse, mse, mae, r2;
///  - classification: example_count, accuracy, precision_macro, recall_macro, f1_macro, precision_micro,
///    recall_micro, f1_micro, precision/<class>, recall/<class>, f1/<class>, log_loss, auc (one-vs-rest macro
///    for several classes); binary also precision, recall, f1 of class 1.
/// A metric that is undefined on these examples (no examples; AUC with one class only) is left out, so a
/// threshold on it fails as "metric not found".
MLPIPE_DECL metric_values compute_metrics(const predictions& p);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/metrics.ipp>
#endif
