// mlpipe/evaluate/impl/roc_auc.ipp: bodies of evaluate/roc_auc.hpp's non-template functions (the radix sort, binary and
// one-vs-rest AUC): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/roc_auc.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>

namespace mlpipe {

MLPIPE_DECL void detail::sort_by_key(std::vector<detail::scored>& v) {
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

MLPIPE_DECL double roc_auc(std::span<const int> y_true, std::span<const double> score, int positive) {
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

MLPIPE_DECL double roc_auc_ovr(std::span<const int> y_true, std::span<const double> proba, std::size_t classes) {
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
