// mlpipe/evaluate/impl/classification_metrics.ipp: bodies of evaluate/classification_metrics.hpp's non-template
// functions: compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/classification_metrics.hpp>

#include <stdexcept>
#include <string>
#include <utility>

namespace mlpipe {

MLPIPE_DECL confusion_matrix::confusion_matrix(std::span<const int> y_true, std::span<const int> y_pred, std::size_t classes)
    : classes_(classes), counts_(classes * classes, 0) {
  if (y_true.size() != y_pred.size())
    throw std::invalid_argument("confusion_matrix: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(y_pred.size()) + " predictions");
  for (std::size_t i = 0; i < y_true.size(); ++i) {
    check(y_true[i], i, "label");
    check(y_pred[i], i, "prediction");
    ++counts_[static_cast<std::size_t>(y_true[i]) * classes_ + static_cast<std::size_t>(y_pred[i])];
  }
  total_ = y_true.size();
}

MLPIPE_DECL confusion_matrix confusion_matrix::from_counts(std::vector<std::uint64_t> counts, std::size_t classes) {
  if (counts.size() != classes * classes)
    throw std::invalid_argument("confusion_matrix: " + std::to_string(counts.size()) + " counts for " +
                                std::to_string(classes) + " classes");
  confusion_matrix m;
  m.classes_ = classes;
  m.counts_ = std::move(counts);
  m.total_ = 0;
  for (auto c : m.counts_) m.total_ += c;
  return m;
}

MLPIPE_DECL void confusion_matrix::check(int v, std::size_t row, const char* what) const {
  if (v < 0 || static_cast<std::size_t>(v) >= classes_)
    throw std::invalid_argument("confusion_matrix: " + std::string(what) + " " + std::to_string(v) + " at row " +
                                std::to_string(row) + " is not a class id in [0, " + std::to_string(classes_) + ")");
}

MLPIPE_DECL classification_scores classification_report(const confusion_matrix& cm) {
  classification_scores s;
  const std::size_t k = cm.classes();
  s.per_class.resize(k);
  s.present.resize(k);
  double tp_sum = 0, pred_sum = 0, true_sum = 0;
  std::size_t n_present = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const double tp = static_cast<double>(cm.true_positives(c));
    const double pred = static_cast<double>(cm.predicted(c));
    const double act = static_cast<double>(cm.support(c));
    auto& pc = s.per_class[c];
    pc.precision = detail::safe_ratio(tp, pred);
    pc.recall = detail::safe_ratio(tp, act);
    pc.f1 = detail::f1_from_counts(tp, pred, act);
    pc.support = cm.support(c);
    s.present[c] = pred > 0 || act > 0;
    if (!s.present[c]) continue;
    ++n_present;
    s.macro_precision += pc.precision;
    s.macro_recall += pc.recall;
    s.macro_f1 += pc.f1;
    tp_sum += tp;
    pred_sum += pred;
    true_sum += act;
  }
  if (n_present > 0) {
    s.macro_precision /= static_cast<double>(n_present);
    s.macro_recall /= static_cast<double>(n_present);
    s.macro_f1 /= static_cast<double>(n_present);
  }
  s.micro_precision = detail::safe_ratio(tp_sum, pred_sum);
  s.micro_recall = detail::safe_ratio(tp_sum, true_sum);
  s.micro_f1 = detail::f1_from_counts(tp_sum, pred_sum, true_sum);
  s.accuracy = cm.total() == 0 ? 0.0 : static_cast<double>(cm.correct()) / static_cast<double>(cm.total());
  return s;
}

MLPIPE_DECL classification_scores classification_report(std::span<const int> y_true, std::span<const int> y_pred,
                                                        std::size_t classes) {
  return classification_report(confusion_matrix(y_true, y_pred, classes));
}

MLPIPE_DECL double accuracy(std::span<const int> y_true, std::span<const int> y_pred) {
  if (y_true.size() != y_pred.size())
    throw std::invalid_argument("accuracy: " + std::to_string(y_true.size()) + " labels but " +
                                std::to_string(y_pred.size()) + " predictions");
  std::size_t ok = 0;
  for (std::size_t i = 0; i < y_true.size(); ++i) ok += y_true[i] == y_pred[i];
  return y_true.empty() ? 0.0 : static_cast<double>(ok) / static_cast<double>(y_true.size());
}

MLPIPE_DECL class_scores binary_scores(std::span<const int> y_true, std::span<const int> y_pred) {
  return classification_report(y_true, y_pred, 2).per_class[1];
}

}  // namespace mlpipe
