// mlpipe/evaluate/classification_metrics.hpp: accuracy, confusion matrix, precision, recall and F1
// (per class, macro, micro, and the binary positive class), defined exactly as scikit-learn's `metrics` defines them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// Counts of (true class, predicted class) pairs; rows are the true class, columns the predicted one
/// (scikit-learn's `confusion_matrix` layout). Class ids run from 0 to classes-1.
class confusion_matrix {
 public:
  confusion_matrix() = default;
  /// Throws std::invalid_argument when the lengths differ or a class id is outside [0, classes).
  confusion_matrix(std::span<const int> y_true, std::span<const int> y_pred, std::size_t classes);

  /// From row-major counts (classes × classes), e.g. summed over the ranks of a data-parallel run.
  static confusion_matrix from_counts(std::vector<std::uint64_t> counts, std::size_t classes);

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
  void check(int v, std::size_t row, const char* what) const;
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

MLPIPE_DECL classification_scores classification_report(const confusion_matrix& cm);

MLPIPE_DECL classification_scores classification_report(std::span<const int> y_true, std::span<const int> y_pred,
                                                        std::size_t classes);

/// Fraction of predictions equal to the label (scikit-learn's accuracy_score). 0 for no examples.
MLPIPE_DECL double accuracy(std::span<const int> y_true, std::span<const int> y_pred);

/// Binary precision, recall and F1 of the positive class 1 (scikit-learn's average="binary", pos_label=1).
MLPIPE_DECL class_scores binary_scores(std::span<const int> y_true, std::span<const int> y_pred);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/classification_metrics.ipp>
#endif
