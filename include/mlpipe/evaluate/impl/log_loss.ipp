// mlpipe/evaluate/impl/log_loss.ipp: bodies of evaluate/log_loss.hpp's non-template functions (binary and multiclass
// log loss): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/log_loss.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

namespace mlpipe {

MLPIPE_DECL double log_loss(std::span<const int> y_true, std::span<const double> p_positive) {
  if (y_true.size() != p_positive.size())
    throw std::invalid_argument("log_loss: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(p_positive.size()) + " probabilities");
  if (y_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    if (y_true[i] != 0 && y_true[i] != 1)
      throw std::invalid_argument("log_loss: label " + std::to_string(y_true[i]) + " at row " + std::to_string(i) +
                                  " is not 0 or 1");
    const double p1 = detail::clip_probability(p_positive[i]);
    const double p0 = 1 - p1;
    const double p = (y_true[i] == 1 ? p1 : p0) / (p0 + p1);
    sum -= std::log(p);
  }
  return sum / static_cast<double>(y_true.size());
}

MLPIPE_DECL double log_loss(std::span<const int> y_true, std::span<const double> proba, std::size_t classes) {
  if (proba.size() != y_true.size() * classes)
    throw std::invalid_argument("log_loss: " + std::to_string(y_true.size()) + " labels need " +
                                std::to_string(y_true.size() * classes) + " probabilities, got " +
                                std::to_string(proba.size()));
  if (y_true.empty()) return std::numeric_limits<double>::quiet_NaN();
  double sum = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    const int y = y_true[i];
    if (y < 0 || static_cast<std::size_t>(y) >= classes)
      throw std::invalid_argument("log_loss: label " + std::to_string(y) + " at row " + std::to_string(i) +
                                  " is not a class id in [0, " + std::to_string(classes) + ")");
    double row = 0;
    for (std::size_t c = 0; c < classes; ++c) row += detail::clip_probability(proba[i * classes + c]);
    sum -= std::log(detail::clip_probability(proba[i * classes + static_cast<std::size_t>(y)]) / row);
  }
  return sum / static_cast<double>(y_true.size());
}

}  // namespace mlpipe
