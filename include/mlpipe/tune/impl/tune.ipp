// mlpipe/tune/impl/tune.ipp: bodies of tune/tune.hpp's non-template functions (compiled once into libmlpipe
// by src/tune.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/tune/tune.hpp>

#include <mlpipe/evaluate/metrics.hpp>
#include <mlpipe/evaluate/predict.hpp>
#include <mlpipe/train/block_source.hpp>

namespace mlpipe {

MLPIPE_DECL bool tuning_maximizes(std::string_view metric, model_kind kind) {
  if (metric == "eval_loss") return false;
  auto hib = higher_is_better(metric);
  const std::string base(metric.substr(0, metric.find('/')));
  const bool regression_metric = base == "rmse" || base == "mse" || base == "mae" || base == "r2";
  if (!hib || base == "example_count")
    throw std::invalid_argument("tune: unknown metric '" + std::string(metric) +
                                "' (expected eval_loss or an evaluation metric: auc, accuracy, log_loss, f1_macro, "
                                "precision/<class>, ... for a classifier; rmse, mse, mae, r2 for a regression)");
  if (regression_metric != (kind == model_kind::linear))
    throw std::invalid_argument("tune: " + std::string(metric) + " is " +
                                (regression_metric ? "a regression metric; linear_regression only"
                                                   : "a classification metric; use rmse, mse, mae or r2 for linear_regression"));
  return *hib;
}

MLPIPE_DECL double tuning_score(const model& m, const transform_graph& g, const table& t, const label_encoding& enc,
                                std::string_view metric) {
  if (t.rows() == 0) throw std::invalid_argument("tune: the eval split has no rows to score trials on");
  if (metric != "eval_loss" && metric != "accuracy" && metric != "rmse") {
    auto values = compute_metrics(predict_table(m, g, t));
    auto it = values.find(std::string(metric));
    return it == values.end() ? std::numeric_limits<double>::quiet_NaN() : it->second;
  }
  fused_source src(t, g, enc, 4096);
  const std::size_t k = m.is_classifier() ? m.num_classes() : 1;
  std::vector<double> out;
  double sum = 0;
  for (std::size_t b = 0; b < src.block_count(); ++b) {
    auto blk = src.block(b);
    out.resize(blk.x.rows * k);
    if (m.is_classifier()) m.predict_proba(blk.x, out); else m.predict(blk.x, out);
    for (std::size_t r = 0; r < blk.x.rows; ++r) {
      if (!m.is_classifier()) {
        const double e = out[r] - blk.y[r];
        sum += metric == "accuracy" ? 0 : e * e;
        continue;
      }
      const auto y = static_cast<std::size_t>(blk.y[r]);
      const double* p = out.data() + r * k;
      if (metric == "accuracy")
        sum += static_cast<double>(std::max_element(p, p + k) - p) == static_cast<double>(y);
      else
        sum -= std::log(std::clamp(p[y], 1e-15, 1 - 1e-15));
    }
  }
  const double mean = sum / static_cast<double>(t.rows());
  return metric == "rmse" ? std::sqrt(mean) : mean;
}

}  // namespace mlpipe
