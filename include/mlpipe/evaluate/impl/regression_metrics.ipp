// mlpipe/evaluate/impl/regression_metrics.ipp: bodies of evaluate/regression_metrics.hpp's non-template functions
// (RMSE, MAE, R²): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/regression_metrics.hpp>

#include <cmath>
#include <cstddef>
#include <limits>
#include <stdexcept>
#include <string>

namespace mlpipe {

MLPIPE_DECL void detail::check_regression(std::span<const double> y_true, std::span<const double> y_pred, const char* what) {
  if (y_true.size() != y_pred.size())
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(y_true.size()) + " targets but " +
                                std::to_string(y_pred.size()) + " predictions");
}

MLPIPE_DECL double mean_squared_error(std::span<const double> y_true, std::span<const double> y_pred) {
  detail::check_regression(y_true, y_pred, "mean_squared_error");
  if (y_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) s += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
  return s / static_cast<double>(y_true.size());
}

MLPIPE_DECL double rmse(std::span<const double> y_true, std::span<const double> y_pred) {
  return std::sqrt(mean_squared_error(y_true, y_pred));
}

MLPIPE_DECL double mae(std::span<const double> y_true, std::span<const double> y_pred) {
  detail::check_regression(y_true, y_pred, "mae");
  if (y_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double s = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) s += std::abs(y_true[i] - y_pred[i]);
  return s / static_cast<double>(y_true.size());
}

MLPIPE_DECL double r2(std::span<const double> y_true, std::span<const double> y_pred) {
  detail::check_regression(y_true, y_pred, "r2");
  if (y_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double mean = 0;
  for (double y : y_true) mean += y;
  mean /= static_cast<double>(y_true.size());
  double ss_res = 0, ss_tot = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    ss_res += (y_true[i] - y_pred[i]) * (y_true[i] - y_pred[i]);
    ss_tot += (y_true[i] - mean) * (y_true[i] - mean);
  }
  if (ss_tot == 0) return ss_res == 0 ? 1.0 : 0.0;
  return 1 - ss_res / ss_tot;
}

}  // namespace mlpipe
