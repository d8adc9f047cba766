// mlpipe/evaluate/log_loss.hpp: mean cross-entropy of predicted probabilities, binary and multiclass.
// Probabilities are clipped to [eps, 1-eps] (eps = double epsilon) and rows renormalized, as scikit-learn does.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <span>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

namespace detail {
inline constexpr double log_loss_eps = std::numeric_limits<double>::epsilon();  // scikit-learn's eps="auto"
inline double clip_probability(double p) noexcept { return std::clamp(p, log_loss_eps, 1 - log_loss_eps); }
}  // namespace detail

/// Binary log loss; `p_positive[i]` is the probability that example i is of class 1 (labels 0 or 1).
MLPIPE_DECL double log_loss(std::span<const int> y_true, std::span<const double> p_positive);

/// Multiclass log loss; `proba` is row-major with `classes` columns, labels are class ids.
MLPIPE_DECL double log_loss(std::span<const int> y_true, std::span<const double> proba, std::size_t classes);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/log_loss.ipp>
#endif
