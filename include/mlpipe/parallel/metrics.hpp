// mlpipe/parallel/metrics.hpp: evaluation metrics of a data-parallel run, merged exactly: confusion counts
// summed over the ranks, ROC AUC from every rank's sorted runs of (score, positives, negatives) merged at rank 0.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/evaluate/classification_metrics.hpp>
#include <mlpipe/evaluate/roc_auc.hpp>

namespace mlpipe::parallel {

/// The confusion matrix of all ranks' examples: every count exactly the one a single process finds.
inline confusion_matrix merge_confusion(const collective& c, const confusion_matrix& local) {
  std::vector<std::uint64_t> counts = local.counts();
  c.sum(std::span<std::uint64_t>(counts));
  return confusion_matrix::from_counts(std::move(counts), local.classes());
}

namespace detail {
struct score_run {
  std::uint64_t key, positives, negatives;
};
}  // namespace detail

/// Binary ROC AUC over all ranks' examples, equal bit for bit to roc_auc() over them all in one process: each
/// rank sorts its scores into runs of one distinct score, rank 0 merges the runs (adding equal scores' counts)
/// and sums the same trapezoids in the same order; the result is broadcast. Memory at rank 0: one run per
/// distinct score in the whole data.
inline double roc_auc(const collective& c, std::span<const int> y_true, std::span<const double> score, int positive = 1) {
  if (y_true.size() != score.size())
    throw std::invalid_argument("roc_auc: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(score.size()) + " scores");
  std::vector<mlpipe::detail::scored> s(y_true.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (std::isnan(score[i])) throw std::invalid_argument("roc_auc: score at row " + std::to_string(i) + " is NaN");
    s[i] = {mlpipe::detail::descending_key(score[i]), y_true[i] == positive};
  }
  mlpipe::detail::sort_by_key(s);
  std::vector<detail::score_run> runs;
  for (auto& e : s) {
    if (runs.empty() || runs.back().key != e.key) runs.push_back({e.key, 0, 0});
    (e.positive ? runs.back().positives : runs.back().negatives) += 1;
  }
  std::string bytes(runs.size() * sizeof(detail::score_run), '\0');
  if (!runs.empty()) std::memcpy(bytes.data(), runs.data(), bytes.size());
  auto parts = c.gather(bytes, 0);
  double auc = 0;
  if (c.is_root()) {
    std::vector<detail::score_run> all;
    for (auto& p : parts) {
      auto n = p.size() / sizeof(detail::score_run);
      auto at = all.size();
      all.resize(at + n);
      if (n) std::memcpy(all.data() + at, p.data(), p.size());
      std::inplace_merge(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(at), all.end(),
                         [](const auto& a, const auto& b) { return a.key < b.key; });
    }
    double tp = 0, fp = 0, prev_tp = 0, prev_fp = 0, twice_area = 0;
    for (std::size_t i = 0; i < all.size(); ++i) {
      tp += static_cast<double>(all[i].positives);
      fp += static_cast<double>(all[i].negatives);
      if (i + 1 == all.size() || all[i + 1].key != all[i].key) {
        twice_area += (fp - prev_fp) * (tp + prev_tp);
        prev_tp = tp;
        prev_fp = fp;
      }
    }
    auc = tp == 0 || fp == 0 ? std::numeric_limits<double>::quiet_NaN() : twice_area / (2 * tp * fp);
  }
  std::string out(sizeof auc, '\0');
  std::memcpy(out.data(), &auc, sizeof auc);
  out = c.broadcast(std::move(out), 0);
  std::memcpy(&auc, out.data(), sizeof auc);
  return auc;
}

}  // namespace mlpipe::parallel
