// mlpipe/evaluate/roc_auc.hpp: area under the ROC curve, binary and one-vs-rest macro for several classes.
// Tied scores form one point of the curve, so a tie between a positive and a negative counts one half (scikit-learn).
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>

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
MLPIPE_DECL void sort_by_key(std::vector<scored>& v);
}  // namespace detail

/// Binary ROC AUC of scores against labels (`positive` marks the positive class; any other value is negative).
/// The curve has one point per distinct score (scikit-learn's roc_curve), and the area is the trapezoid rule
/// over it, computed from integer counts. Quiet NaN when the labels hold only one class (the AUC is undefined;
/// scikit-learn raises), or there are no examples. Throws on a length mismatch or a NaN score.
MLPIPE_DECL double roc_auc(std::span<const int> y_true, std::span<const double> score, int positive = 1);

/// One-vs-rest ROC AUC averaged over classes with equal weight (scikit-learn's roc_auc_score with
/// multi_class="ovr", average="macro"). `proba` is row-major, `classes` columns. NaN when some class does not
/// occur in the labels (scikit-learn refuses that case) or when there are no examples.
MLPIPE_DECL double roc_auc_ovr(std::span<const int> y_true, std::span<const double> proba, std::size_t classes);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/roc_auc.ipp>
#endif
