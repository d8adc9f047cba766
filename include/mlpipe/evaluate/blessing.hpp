// mlpipe/evaluate/blessing.hpp: the `model_blessing` artifact ("ModelBlessing") and bless(), which checks
// thresholds on every slice of a model_evaluation and records which threshold failed on which slice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/evaluate/model_evaluation.hpp>
#include <mlpipe/evaluate/slicing.hpp>
#include <mlpipe/evaluate/thresholds.hpp>

namespace mlpipe {

/// One failed check: the threshold, the slice it failed on, the values compared and why.
struct threshold_failure {
  std::string slice;
  metric_threshold threshold;
  std::optional<double> value;           // the candidate's metric, when found
  std::optional<double> baseline_value;  // the baseline's, for a change threshold
  std::string message;                   // "metric not found", "auc = 0.71, expected auc >= 0.8", ...

  friend bool operator==(const threshold_failure&, const threshold_failure&) = default;
};

/// Whether the candidate may be pushed. Blessed only when at least one threshold was given and every check
/// passed.
struct model_blessing {
  static constexpr std::string_view type_name = "ModelBlessing";

  bool blessed = false;
  std::vector<threshold_failure> failures;
  std::size_t checks = 0;           // (threshold, slice) pairs checked
  std::size_t skipped_change = 0;   // change thresholds passed because there was no baseline
  std::string reason;               // one line for people: why (not) blessed

  nlohmann::json to_json() const;

  static model_blessing from_json(const nlohmann::json& j);

  /// Writes blessing.json, plus an empty BLESSED or NOT_BLESSED marker file as TFX's Evaluator does.
  void save(const std::filesystem::path& dir) const;

  static model_blessing load(const std::filesystem::path& dir);

  std::uint64_t fingerprint() const;

  friend bool operator==(const model_blessing&, const model_blessing&) = default;
};

namespace detail {
MLPIPE_DECL std::string format_number(double v);
}  // namespace detail

/// Checks every threshold on every slice its selector picks (TFMA's rules):
///  - no thresholds: not blessed (nothing vouches for the model);
///  - a value threshold fails when the metric is missing on the slice or out of bounds;
///  - a change threshold passes when there is no baseline evaluation; with one, it fails when the metric is
///    missing for the candidate or the baseline on that slice, or when the change is out of bounds;
///  - a threshold whose selector picks no slice at all fails (its slice is missing from the evaluation).
MLPIPE_DECL model_blessing bless(const model_evaluation& ev, std::span<const metric_threshold> thresholds);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/blessing.ipp>
#endif
