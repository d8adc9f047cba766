// mlpipe/evaluate/roc_auc.hpp: area under the ROC curve, binary and one-vs-rest macro for several classes.
// Tied scores form one point of the curve, so a tie between a positive and a negative counts one half (scikit-learn).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

/// Binary ROC AUC of scores against labels (`positive` marks the positive class; any other value is negative).
/// The curve has one point per distinct score (scikit-learn's roc_curve), and the area is the trapezoid rule
/// over it, computed from integer counts. Quiet NaN when the labels hold only one class (the AUC is undefined;
/// scikit-learn raises), or there are no examples. Throws on a length mismatch or a NaN score.
inline double roc_auc(std::span<const int> y_true, std::span<const double> score, int positive = 1) {
  if (y_true.size() != score.size())
    throw std::invalid_argument("roc_auc: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(score.size()) + " scores");
  const std::size_t n = y_true.size();
  // (score, is positive) pairs sorted by descending score: contiguous, so the sort stays in cache far longer
  // than an index sort that chases the scores.
  std::vector<std::pair<double, bool>> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(score[i])) throw std::invalid_argument("roc_auc: score at row " + std::to_string(i) + " is NaN");
    s[i] = {score[i] == 0 ? 0.0 : score[i], y_true[i] == positive};  // -0.0 ties with 0.0
  }
  std::sort(s.begin(), s.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  double tp = 0, fp = 0, prev_tp = 0, prev_fp = 0, twice_area = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i].second) tp += 1; else fp += 1;
    // close the point at the end of a run of tied scores
    if (i + 1 == n || s[i + 1].first != s[i].first) {
      twice_area += (fp - prev_fp) * (tp + prev_tp);
      prev_tp = tp;
      prev_fp = fp;
    }
  }
  if (tp == 0 || fp == 0) return std::numeric_limits<double>::quiet_NaN();
  return twice_area / (2 * tp * fp);
}

/// One-vs-rest ROC AUC averaged over classes with equal weight (scikit-learn's roc_auc_score with
/// multi_class="ovr", average="macro"). `proba` is row-major, `classes` columns. NaN when some class does not
/// occur in the labels (scikit-learn refuses that case) or when there are no examples.
inline double roc_auc_ovr(std::span<const int> y_true, std::span<const double> proba, std::size_t classes) {
  if (classes < 2) throw std::invalid_argument("roc_auc_ovr: needs at least 2 classes");
  if (proba.size() != y_true.size() * classes)
    throw std::invalid_argument("roc_auc_ovr: " + std::to_string(y_true.size()) + " labels need " +
                                std::to_string(y_true.size() * classes) + " probabilities, got " +
                                std::to_string(proba.size()));
  if (classes == 2) {  // scikit-learn treats two classes as the binary case, on the second column
    std::vector<double> s(y_true.size());
    for (std::size_t i = 0; i < s.size(); ++i) s[i] = proba[i * 2 + 1];
    return roc_auc(y_true, s, 1);
  }
  std::vector<double> column(y_true.size());
  double sum = 0;
  for (std::size_t c = 0; c < classes; ++c) {
    for (std::size_t i = 0; i < column.size(); ++i) column[i] = proba[i * classes + c];
    double a = roc_auc(y_true, column, static_cast<int>(c));
    if (a != a) return a;
    sum += a;
  }
  return sum / static_cast<double>(classes);
}

}  // namespace mlpipe
