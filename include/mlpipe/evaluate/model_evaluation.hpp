// mlpipe/evaluate/model_evaluation.hpp: the `model_evaluation` artifact ("ModelEvaluation"): every metric,
// overall and per slice, for the candidate model and (when there is one) the baseline model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/evaluate/metrics.hpp>
#include <mlpipe/evaluate/slicing.hpp>

namespace mlpipe {

/// The metrics of one model on one slice; `confusion` is the row-major confusion matrix (classification).
struct slice_metrics {
  std::string slice;
  metric_values metrics;
  std::vector<std::uint64_t> confusion;

  std::optional<double> get(std::string_view metric) const {
    auto it = metrics.find(std::string(metric));
    return it == metrics.end() ? std::nullopt : std::optional<double>(it->second);
  }
  friend bool operator==(const slice_metrics&, const slice_metrics&) = default;
};

/// Slice by slice (overall first), the candidate's metrics and, with a baseline model, the baseline's on the
/// very same rows.
struct model_evaluation {
  static constexpr std::string_view type_name = "ModelEvaluation";

  task_kind task = task_kind::regression;
  std::vector<std::string> class_names;
  std::vector<slice_metrics> candidate;
  std::optional<std::vector<slice_metrics>> baseline;

  bool has_baseline() const noexcept { return baseline.has_value(); }

  /// The candidate's (or the baseline's) metrics on a slice; nullptr when there is no such slice.
  const slice_metrics* find(std::string_view slice, bool of_baseline = false) const {
    const auto* list = of_baseline ? (baseline ? &*baseline : nullptr) : &candidate;
    if (!list) return nullptr;
    for (const auto& s : *list)
      if (s.slice == slice) return &s;
    return nullptr;
  }
  const slice_metrics& overall() const;

  nlohmann::json to_json() const;

  static model_evaluation from_json(const nlohmann::json& j);

  void save(const std::filesystem::path& dir) const;

  static model_evaluation load(const std::filesystem::path& dir);

  /// Hash of the canonical JSON (nlohmann prints doubles in shortest round-trip form on every platform).
  std::uint64_t fingerprint() const;

  friend bool operator==(const model_evaluation&, const model_evaluation&) = default;
};

namespace detail {
MLPIPE_DECL std::vector<slice_metrics> metrics_per_slice(const predictions& p, const std::vector<slice_rows>& slices);
}  // namespace detail

/// Evaluates a candidate's predictions (and a baseline's, on the same rows) on each slice.
MLPIPE_DECL model_evaluation evaluate_predictions(const predictions& candidate, const std::vector<slice_rows>& slices,
                                             const predictions* baseline = nullptr);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/model_evaluation.ipp>
#endif
