// mlpipe/evaluate/thresholds.hpp: the bars a model must clear to be blessed, as TFMA defines them:
// value bounds (at_least, at_most, between) and change against a baseline model (no_worse_than_baseline).
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
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
  std::string describe() const {
    auto num = [](double v) {
      std::ostringstream s;
      s << v;
      return s.str();
    };
    std::string d;
    if (kind == kind_t::value) {
      if (lower_bound && upper_bound) d = num(*lower_bound) + " <= " + metric + " <= " + num(*upper_bound);
      else if (lower_bound) d = metric + " >= " + num(*lower_bound);
      else if (upper_bound) d = metric + " <= " + num(*upper_bound);
      else d = metric + " (no bound)";
    } else {
      const char* op = direction == metric_direction::higher_is_better ? " >= " : " <= ";
      if (absolute) d = metric + " - baseline" + op + num(*absolute);
      if (relative) d += (d.empty() ? "" : " and ") + ("(" + metric + " - baseline) / baseline" + op + num(*relative));
      if (d.empty()) d = metric + " vs baseline (no bound)";
    }
    if (!slice.empty()) d += " on slice " + slice;
    return d;
  }

  friend bool operator==(const metric_threshold&, const metric_threshold&) = default;
};

/// The metric must be at least `bound` (TFMA lower_bound).
inline metric_threshold at_least(std::string metric, double bound) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.lower_bound = bound;
  return t;
}

/// The metric must be at most `bound` (TFMA upper_bound).
inline metric_threshold at_most(std::string metric, double bound) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.upper_bound = bound;
  return t;
}

/// lower <= metric <= upper.
inline metric_threshold between(std::string metric, double lower, double upper) {
  auto t = at_least(std::move(metric), lower);
  t.upper_bound = upper;
  return t;
}

/// A change threshold with an explicit direction; absolute and/or relative bound the change vs the baseline.
inline metric_threshold change_threshold(std::string metric, metric_direction direction,
                                         std::optional<double> absolute, std::optional<double> relative = {}) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.kind = metric_threshold::kind_t::change;
  t.direction = direction;
  t.absolute = absolute;
  t.relative = relative;
  return t;
}

/// TFMA's change threshold with the metric's own direction (auc, accuracy, f1, r2: higher is better; log_loss,
/// rmse, mse, mae: lower is better) and `absolute` as TFMA reads it: no_worse_than_baseline("auc", -0.01) passes
/// when auc - baseline auc >= -0.01; no_worse_than_baseline("rmse", 0.05) when rmse - baseline rmse <= 0.05.
/// Throws std::invalid_argument for a metric whose direction is unknown (use change_threshold then).
inline metric_threshold no_worse_than_baseline(std::string metric, double absolute = 0.0) {
  auto hib = higher_is_better(metric);
  if (!hib)
    throw std::invalid_argument("no_worse_than_baseline: the direction of metric '" + metric +
                                "' is unknown; use change_threshold(metric, direction, absolute)");
  return change_threshold(std::move(metric), *hib ? metric_direction::higher_is_better : metric_direction::lower_is_better,
                          absolute);
}

/// Same, bounding the relative change (candidate - baseline) / baseline instead.
inline metric_threshold no_worse_than_baseline_relative(std::string metric, double relative) {
  auto t = no_worse_than_baseline(std::move(metric));
  t.absolute.reset();
  t.relative = relative;
  return t;
}

// JSON form (stage parameters, the blessing artifact):
//   {"metric": "auc", "lower_bound": 0.8}                           value threshold
//   {"metric": "auc", "change": {"direction": "higher_is_better", "absolute": -0.01}, "slice": "sex=F"}
inline void to_json(nlohmann::json& j, const metric_threshold& t) {
  j = nlohmann::json::object();
  j["metric"] = t.metric;
  if (t.kind == metric_threshold::kind_t::value) {
    if (t.lower_bound) j["lower_bound"] = *t.lower_bound;
    if (t.upper_bound) j["upper_bound"] = *t.upper_bound;
  } else {
    auto& c = j["change"];
    c["direction"] = t.direction == metric_direction::higher_is_better ? "higher_is_better" : "lower_is_better";
    if (t.absolute) c["absolute"] = *t.absolute;
    if (t.relative) c["relative"] = *t.relative;
  }
  if (!t.slice.empty()) j["slice"] = t.slice;
}

inline void from_json(const nlohmann::json& j, metric_threshold& t) {
  auto fail = [&](const std::string& why) {
    throw std::invalid_argument("threshold " + detail::json_excerpt(j) + ": " + why);
  };
  if (!j.is_object()) fail("expected an object such as {\"metric\": \"auc\", \"lower_bound\": 0.8}");
  t = metric_threshold{};
  for (auto it = j.begin(); it != j.end(); ++it)
    if (it.key() != "metric" && it.key() != "lower_bound" && it.key() != "upper_bound" && it.key() != "change" &&
        it.key() != "slice")
      fail("unknown field '" + it.key() + "' (expected metric, lower_bound, upper_bound, change, slice)");
  if (!j.contains("metric") || !j["metric"].is_string()) fail("needs \"metric\": a metric name");
  t.metric = j["metric"].get<std::string>();
  auto number = [&](const nlohmann::json& v, const char* field) {
    if (!v.is_number()) fail(std::string("\"") + field + "\" must be a number");
    return v.get<double>();
  };
  if (j.contains("slice")) {
    if (!j["slice"].is_string()) fail("\"slice\" must be a string");
    t.slice = j["slice"].get<std::string>();
  }
  if (j.contains("change")) {
    if (j.contains("lower_bound") || j.contains("upper_bound"))
      fail("a threshold is either a value threshold (bounds) or a change threshold, not both");
    const auto& c = j["change"];
    if (!c.is_object()) fail("\"change\" must be an object");
    t.kind = metric_threshold::kind_t::change;
    std::string dir = c.value("direction", "");
    if (dir == "higher_is_better") t.direction = metric_direction::higher_is_better;
    else if (dir == "lower_is_better") t.direction = metric_direction::lower_is_better;
    else if (dir.empty() && higher_is_better(t.metric))
      t.direction = *higher_is_better(t.metric) ? metric_direction::higher_is_better : metric_direction::lower_is_better;
    else fail("change.direction must be \"higher_is_better\" or \"lower_is_better\"");
    if (c.contains("absolute")) t.absolute = number(c["absolute"], "absolute");
    if (c.contains("relative")) t.relative = number(c["relative"], "relative");
  } else {
    if (j.contains("lower_bound")) t.lower_bound = number(j["lower_bound"], "lower_bound");
    if (j.contains("upper_bound")) t.upper_bound = number(j["upper_bound"], "upper_bound");
  }
}

}  // namespace mlpipe
