// mlpipe/evaluate/thresholds.hpp: the bars a model must clear to be blessed, as TFMA defines them:
// value bounds (at_least, at_most, between) and change against a baseline model (no_worse_than_baseline).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/evaluate/metrics.hpp>

namespace mlpipe {

/// Which way a change threshold counts as better (TFMA's MetricDirection).
enum class metric_direction : std::uint8_t { higher_is_better, lower_is_better };

/// One threshold on one metric, on the slices its selector picks.
///  - value threshold (TFMA GenericValueThreshold): passes when lower_bound <= value <= upper_bound (an unset
///    bound is -inf/+inf);
///  - change threshold (TFMA GenericChangeThreshold): with diff = candidate - baseline and ratio = diff / baseline
///    (NaN when the baseline is 0, which fails a relative bound), passes when diff >= absolute and ratio >= relative
///    for higher_is_better, or diff <= absolute and ratio <= relative for lower_is_better (an unset absolute or
///    relative does not constrain; a NaN candidate or baseline fails).
///    Without a baseline model a change threshold passes (TFX ignores it on the first run).
/// `slice`: "" applies to every slice (overall and each feature slice, as TFMA's unsliced thresholds do);
/// otherwise a selector, see slice_matches ("overall", "sex", "sex=F").
struct metric_threshold {
  enum class kind_t : std::uint8_t { value, change };
  std::string metric;
  kind_t kind = kind_t::value;
  std::optional<double> lower_bound, upper_bound;
  metric_direction direction = metric_direction::higher_is_better;
  std::optional<double> absolute, relative;
  std::string slice;

  bool is_change() const noexcept { return kind == kind_t::change; }

  /// Same threshold restricted to the slices `selector` picks.
  metric_threshold on_slice(std::string selector) const {
    auto t = *this;
    t.slice = std::move(selector);
    return t;
  }

  /// Checks a value threshold. NaN fails.
  bool passes(double value) const noexcept {
    const double lo = lower_bound.value_or(-std::numeric_limits<double>::infinity());
    const double hi = upper_bound.value_or(std::numeric_limits<double>::infinity());
    return value >= lo && value <= hi;
  }

  /// Checks a change threshold, exactly as TFMA's metrics validator does.
  bool passes(double candidate, double baseline) const noexcept {
    if (std::isnan(candidate) || std::isnan(baseline)) return false;
    const double diff = candidate - baseline;
    const double ratio = baseline == 0 ? std::numeric_limits<double>::quiet_NaN() : diff / baseline;
    // TFMA compares the NaN ratio of a zero baseline even when no relative bound is set, so a zero baseline
    // fails every change threshold; we compare the ratio only when a relative bound is set.
    if (direction == metric_direction::lower_is_better)
      return (!absolute || diff <= *absolute) && (!relative || ratio <= *relative);
    return (!absolute || diff >= *absolute) && (!relative || ratio >= *relative);
  }

  /// "auc >= 0.8", "0.1 <= rmse <= 2", "auc - baseline >= -0.01", "(log_loss - baseline) / baseline <= 0.05".
  std::string describe() const;

  friend bool operator==(const metric_threshold&, const metric_threshold&) = default;
};

/// The metric must be at least `bound` (TFMA lower_bound).
MLPIPE_DECL metric_threshold at_least(std::string metric, double bound);

/// The metric must be at most `bound` (TFMA upper_bound).
MLPIPE_DECL metric_threshold at_most(std::string metric, double bound);

/// lower <= metric <= upper.
MLPIPE_DECL metric_threshold between(std::string metric, double lower, double upper);

/// A change threshold with an explicit direction; absolute and/or relative bound the change vs the baseline.
MLPIPE_DECL metric_threshold change_threshold(std::string metric, metric_direction direction,
                                              std::optional<double> absolute, std::optional<double> relative = {});

/// TFMA's change threshold with the metric's own direction (auc, accuracy, f1, r2: higher is better; log_loss,
/// rmse, mse, mae: lower is better) and `absolute` as TFMA reads it: no_worse_than_baseline("auc", -0.01) passes
/// when auc - baseline auc >= -0.01; no_worse_than_baseline("rmse", 0.05) when rmse - baseline rmse <= 0.05.
/// Throws std::invalid_argument for a metric whose direction is unknown (use change_threshold then).
MLPIPE_DECL metric_threshold no_worse_than_baseline(std::string metric, double absolute = 0.0);

/// Same, bounding the relative change (candidate - baseline) / baseline instead.
MLPIPE_DECL metric_threshold no_worse_than_baseline_relative(std::string metric, double relative);

// JSON form (stage parameters, the blessing artifact):
//   {"metric": "auc", "lower_bound": 0.8}                           value threshold
//   {"metric": "auc", "change": {"direction": "higher_is_better", "absolute": -0.01}, "slice": "sex=F"}
MLPIPE_DECL void to_json(nlohmann::json& j, const metric_threshold& t);

MLPIPE_DECL void from_json(const nlohmann::json& j, metric_threshold& t);
/// A threshold as a stage parameter (evaluate's thresholds): the JSON above, compiled into libmlpipe; a JSON error
/// is a parameter_error naming `where`.
MLPIPE_DECL void write_json_value(nlohmann::json& j, const metric_threshold& t);
MLPIPE_DECL void read_json_value(const nlohmann::json& j, metric_threshold& t, const std::string& where);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/evaluate/impl/thresholds.ipp>
#endif
