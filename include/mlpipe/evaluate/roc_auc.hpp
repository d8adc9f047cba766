// mlpipe/evaluate/roc_auc.hpp: area under the ROC curve, binary and one-vs-rest macro for several classes.
// Tied scores form one point of the curve, so a tie between a positive and a negative counts one half (scikit-learn).
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <numeric>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace mlpipe {

namespace detail {
/// A score and whether its example is positive; `key` orders descending scores as ascending integers.
struct scored {
  std::uint64_t key;
  bool positive;
};
/// Larger scores give smaller keys; -0.0 and 0.0 give the same key (they tie). Not for NaN.
inline std::uint64_t descending_key(double x) noexcept {
  const auto b = std::bit_cast<std::uint64_t>(x == 0 ? 0.0 : x);
  const std::uint64_t ascending = (b >> 63) ? ~b : b | (std::uint64_t{1} << 63);
  return ~ascending;
}
/// Sorts by key: LSD radix sort with 11-bit digits (a digit that every key shares is skipped), several times
/// faster than a comparison sort on large sets; std::sort below a few thousand.
inline void sort_by_key(std::vector<scored>& v) {
  if (v.size() < 4096) {
    std::sort(v.begin(), v.end(), [](const scored& a, const scored& b) { return a.key < b.key; });
    return;
  }
  constexpr unsigned bits = 11;
  constexpr std::size_t buckets = std::size_t{1} << bits;
  std::vector<scored> tmp(v.size());
  std::vector<std::size_t> count(buckets);
  for (unsigned shift = 0; shift < 64; shift += bits) {
    std::fill(count.begin(), count.end(), 0);
    for (const auto& e : v) ++count[(e.key >> shift) & (buckets - 1)];
    if (count[(v[0].key >> shift) & (buckets - 1)] == v.size()) continue;  // all share this digit
    std::size_t sum = 0;
    for (auto& c : count) {
      const std::size_t k = c;
      c = sum;
      sum += k;
    }
    for (const auto& e : v) tmp[count[(e.key >> shift) & (buckets - 1)]++] = e;
    v.swap(tmp);
  }
}
}  // namespace detail

/// Binary ROC AUC of scores against labels (`positive` marks the positive class; any other value is negative).
/// The curve has one point per distinct score (scikit-learn's roc_curve), and the area is the trapezoid rule
/// over it, computed from integer counts. Quiet NaN when the labels hold only one class (the AUC is undefined;
/// scikit-learn raises), or there are no examples. Throws on a length mismatch or a NaN score.
inline double roc_auc(std::span<const int> y_true, std::span<const double> score, int positive = 1) {
  if (y_true.size() != score.size())
    throw std::invalid_argument("roc_auc: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(score.size()) + " scores");
  const std::size_t n = y_true.size();
  std::vector<detail::scored> s(n);
  for (std::size_t i = 0; i < n; ++i) {
    if (std::isnan(score[i])) throw std::invalid_argument("roc_auc: score at row " + std::to_string(i) + " is NaN");
    s[i] = {detail::descending_key(score[i]), y_true[i] == positive};
  }
  detail::sort_by_key(s);
  double tp = 0, fp = 0, prev_tp = 0, prev_fp = 0, twice_area = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (s[i].positive) tp += 1; else fp += 1;
    // close the point at the end of a run of tied scores (equal keys: equal scores)
    if (i + 1 == n || s[i + 1].key != s[i].key) {
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
