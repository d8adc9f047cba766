// mlpipe/evaluate/classification_metrics.hpp: accuracy, confusion matrix, precision, recall and F1
// (per class, macro, micro, and the binary positive class), defined exactly as scikit-learn's `metrics` defines them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlpipe {

/// Counts of (true class, predicted class) pairs; rows are the true class, columns the predicted one
/// (scikit-learn's `confusion_matrix` layout). Class ids run from 0 to classes-1.
class confusion_matrix {
 public:
  confusion_matrix() = default;
  /// Throws std::invalid_argument when the lengths differ or a class id is outside [0, classes).
  confusion_matrix(std::span<const int> y_true, std::span<const int> y_pred, std::size_t classes)
      : classes_(classes), counts_(classes * classes, 0) {
    if (y_true.size() != y_pred.size())
      throw std::invalid_argument("confusion_matrix: " + std::to_string(y_true.size()) + " labels but " +
                                  std::to_string(y_pred.size()) + " predictions");
    for (std::size_t i = 0; i < y_true.size(); ++i) {
      check(y_true[i], i, "label");
      check(y_pred[i], i, "prediction");
      ++counts_[static_cast<std::size_t>(y_true[i]) * classes_ + static_cast<std::size_t>(y_pred[i])];
    }
    total_ = y_true.size();
  }

  /// From row-major counts (classes × classes), e.g. summed over the ranks of a data-parallel run.
  static confusion_matrix from_counts(std::vector<std::uint64_t> counts, std::size_t classes) {
    if (counts.size() != classes * classes)
      throw std::invalid_argument("confusion_matrix: " + std::to_string(counts.size()) + " counts for " +
                                  std::to_string(classes) + " classes");
    confusion_matrix m;
    m.classes_ = classes;
    m.counts_ = std::move(counts);
    m.total_ = 0;
    for (auto c : m.counts_) m.total_ += c;
    return m;
  }

  std::size_t classes() const noexcept { return classes_; }
  std::uint64_t total() const noexcept { return total_; }
  /// How many examples of true class t were predicted as p.
  std::uint64_t operator()(std::size_t t, std::size_t p) const { return counts_.at(t * classes_ + p); }
  /// Row-major counts (classes × classes).
  const std::vector<std::uint64_t>& counts() const noexcept { return counts_; }

  std::uint64_t true_positives(std::size_t c) const { return (*this)(c, c); }
  std::uint64_t support(std::size_t c) const {  // examples whose true class is c
    std::uint64_t s = 0;
    for (std::size_t p = 0; p < classes_; ++p) s += (*this)(c, p);
    return s;
  }
  std::uint64_t predicted(std::size_t c) const {  // examples predicted as c
    std::uint64_t s = 0;
    for (std::size_t t = 0; t < classes_; ++t) s += (*this)(t, c);
    return s;
  }
  std::uint64_t correct() const {
    std::uint64_t s = 0;
    for (std::size_t c = 0; c < classes_; ++c) s += (*this)(c, c);
    return s;
  }

 private:
  void check(int v, std::size_t row, const char* what) const {
    if (v < 0 || static_cast<std::size_t>(v) >= classes_)
      throw std::invalid_argument("confusion_matrix: " + std::string(what) + " " + std::to_string(v) + " at row " +
                                  std::to_string(row) + " is not a class id in [0, " + std::to_string(classes_) + ")");
  }
  std::size_t classes_ = 0;
  std::uint64_t total_ = 0;
  std::vector<std::uint64_t> counts_;
};

/// Precision, recall and F1 of one class, plus its support (true examples).
struct class_scores {
  double precision = 0, recall = 0, f1 = 0;
  std::uint64_t support = 0;
};

/// Per-class scores and their macro and micro averages. As scikit-learn does by default: a ratio whose
/// denominator is zero counts as 0 (zero_division=0), and the averages run over the classes that occur in the
/// labels or the predictions (`present[c]`), never over classes that appear in neither.
struct classification_scores {
  std::vector<class_scores> per_class;
  std::vector<bool> present;
  double accuracy = 0;
  double macro_precision = 0, macro_recall = 0, macro_f1 = 0;
  double micro_precision = 0, micro_recall = 0, micro_f1 = 0;
};

namespace detail {
inline double safe_ratio(double num, double den) noexcept { return den == 0 ? 0.0 : num / den; }
// F1 from counts: 2tp / (2tp + fp + fn), which is scikit-learn's harmonic mean of precision and recall
// with its zero-division rule.
inline double f1_from_counts(double tp, double predicted, double actual) noexcept {
  return safe_ratio(2 * tp, predicted + actual);
}
}  // namespace detail

inline classification_scores classification_report(const confusion_matrix& cm) {
  classification_scores s;
  const std::size_t k = cm.classes();
  s.per_class.resize(k);
  s.present.resize(k);
  double tp_sum = 0, pred_sum = 0, true_sum = 0;
  std::size_t n_present = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const double tp = static_cast<double>(cm.true_positives(c));
    const double pred = static_cast<double>(cm.predicted(c));
    const double act = static_cast<double>(cm.support(c));
    auto& pc = s.per_class[c];
    pc.precision = detail::safe_ratio(tp, pred);
    pc.recall = detail::safe_ratio(tp, act);
    pc.f1 = detail::f1_from_counts(tp, pred, act);
    pc.support = cm.support(c);
    s.present[c] = pred > 0 || act > 0;
    if (!s.present[c]) continue;
    ++n_present;
    s.macro_precision += pc.precision;
    s.macro_recall += pc.recall;
    s.macro_f1 += pc.f1;
    tp_sum += tp;
    pred_sum += pred;
    true_sum += act;
  }
  if (n_present > 0) {
    s.macro_precision /= static_cast<double>(n_present);
    s.macro_recall /= static_cast<double>(n_present);
    s.macro_f1 /= static_cast<double>(n_present);
  }
  s.micro_precision = detail::safe_ratio(tp_sum, pred_sum);
  s.micro_recall = detail::safe_ratio(tp_sum, true_sum);
  s.micro_f1 = detail::f1_from_counts(tp_sum, pred_sum, true_sum);
  s.accuracy = cm.total() == 0 ? 0.0 : static_cast<double>(cm.correct()) / static_cast<double>(cm.total());
  return s;
}

inline classification_scores classification_report(std::span<const int> y_true, std::span<const int> y_pred,
                                                   std::size_t classes) {
  return classification_report(confusion_matrix(y_true, y_pred, classes));
}

/// Fraction of predictions equal to the label (scikit-learn's accuracy_score). 0 for no examples.
inline double accuracy(std::span<const int> y_true, std::span<const int> y_pred) {
  if (y_true.size() != y_pred.size())
    throw std::invalid_argument("accuracy: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(y_pred.size()) + " predictions");
  std::size_t ok = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) ok += y_true[i] == y_pred[i];
  return y_true.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(y_true.size());
}

/// Binary precision, recall and F1 of the positive class 1 (scikit-learn's average="binary", pos_label=1).
inline class_scores binary_scores(std::span<const int> y_true, std::span<const int> y_pred) {
  return classification_report(y_true, y_pred, 2).per_class[1];
}

}  // namespace mlpipe
