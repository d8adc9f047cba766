// mlpipe/evaluate/regression_metrics.hpp: RMSE, MAE and R² of predicted values against targets,
// as scikit-learn's mean_squared_error (squared=False), mean_absolute_error and r2_score define them.
#pragma once

#include <span>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

namespace detail {
MLPIPE_DECL void check_regression(std::span<const double> y_true, std::span<const double> y_pred, const char* what);
}  // namespace detail

MLPIPE_DECL double mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred);

MLPIPE_DECL double rmse(std::span<const double> y_true, std::span<const double> y_pred);

MLPIPE_DECL double mae(std::span<const double> y_true, std::span<const double> y_pred);

/// Coefficient of determination. With constant targets scikit-learn's force_finite rule applies:
/// 1 for a perfect prediction, 0 otherwise.
MLPIPE_DECL double r2(std::span<const double> y_true, std::span<const double> y_pred);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/regression_metrics.ipp>
#endif
