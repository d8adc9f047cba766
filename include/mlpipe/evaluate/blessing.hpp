// mlpipe/evaluate/blessing.hpp: the `model_blessing` artifact ("ModelBlessing") and bless(), which checks
// thresholds on every slice of a model_evaluation and records which threshold failed on which slice.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/fingerprint.hpp>
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

  nlohmann::json to_json() const {
    nlohmann::json f = nlohmann::json::array();
    for (const auto& x : failures) {
      nlohmann::json o = {{"slice", x.slice}, {"threshold", x.threshold}, {"message", x.message}};
      o["value"] = x.value ? nlohmann::json(*x.value) : nlohmann::json(nullptr);
      o["baseline_value"] = x.baseline_value ? nlohmann::json(*x.baseline_value) : nlohmann::json(nullptr);
      f.push_back(std::move(o));
    }
    return {{"format", "mlpipe.ModelBlessing"}, {"version", 1}, {"blessed", blessed}, {"checks", checks},
            {"skipped_change_thresholds", skipped_change}, {"reason", reason}, {"failures", f}};
  }

  static model_blessing from_json(const nlohmann::json& j) {
    if (!detail::json_format_is(j, "mlpipe.ModelBlessing"))
      throw std::runtime_error("not a ModelBlessing (format field is " + detail::json_format_shown(j) + ")");
    if (detail::json_version(j) != 1)
      throw std::runtime_error("ModelBlessing version " + detail::json_version_shown(j) +
                               " is not supported (expected 1)");
    model_blessing b;
    b.blessed = j.at("blessed").get<bool>();
    b.checks = j.at("checks").get<std::size_t>();
    b.skipped_change = j.at("skipped_change_thresholds").get<std::size_t>();
    b.reason = j.at("reason").get<std::string>();
    for (const auto& o : j.at("failures")) {
      threshold_failure f;
      f.slice = o.at("slice").get<std::string>();
      f.threshold = o.at("threshold").get<metric_threshold>();
      f.message = o.at("message").get<std::string>();
      if (!o.at("value").is_null()) f.value = o["value"].get<double>();
      if (!o.at("baseline_value").is_null()) f.baseline_value = o["baseline_value"].get<double>();
      b.failures.push_back(std::move(f));
    }
    return b;
  }

  /// Writes blessing.json, plus an empty BLESSED or NOT_BLESSED marker file as TFX's Evaluator does.
  void save(const std::filesystem::path& dir) const {
    detail::write_json_file(dir / "blessing.json", to_json());
    std::ofstream(dir / (blessed ? "BLESSED" : "NOT_BLESSED"));
  }

  static model_blessing load(const std::filesystem::path& dir) {
    return detail::load_json_file(dir / "blessing.json", "no ModelBlessing there",
                                  [](const nlohmann::json& j) { return from_json(j); });
  }

  std::uint64_t fingerprint() const { return detail::json_fingerprint(to_json(), 0x626c657373ULL); }

  friend bool operator==(const model_blessing&, const model_blessing&) = default;
};

namespace detail {
inline std::string format_number(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}
}  // namespace detail

/// Checks every threshold on every slice its selector picks (TFMA's rules):
///  - no thresholds: not blessed (nothing vouches for the model);
///  - a value threshold fails when the metric is missing on the slice or out of bounds;
///  - a change threshold passes when there is no baseline evaluation; with one, it fails when the metric is
///    missing for the candidate or the baseline on that slice, or when the change is out of bounds;
///  - a threshold whose selector picks no slice at all fails (its slice is missing from the evaluation).
inline model_blessing bless(const model_evaluation& ev, std::span<const metric_threshold> thresholds) {
  model_blessing b;
  if (thresholds.empty()) {
    b.reason = "not blessed: no thresholds were given, so nothing vouches for the model";
    return b;
  }
  for (const auto& t : thresholds) {
    bool matched = false;
    for (const auto& s : ev.candidate) {
      if (!slice_matches(t.slice, s.slice)) continue;
      matched = true;
      if (t.is_change() && !ev.has_baseline()) {
        ++b.skipped_change;
        continue;
      }
      ++b.checks;
      threshold_failure f{s.slice, t, s.get(t.metric), std::nullopt, {}};
      if (!f.value) {
        f.message = "metric '" + t.metric + "' not found on slice " + s.slice;
        b.failures.push_back(std::move(f));
        continue;
      }
      if (!t.is_change()) {
        if (!t.passes(*f.value)) {
          f.message = t.metric + " = " + detail::format_number(*f.value) + " on slice " + s.slice + ", expected " + t.describe();
          b.failures.push_back(std::move(f));
        }
        continue;
      }
      const auto* base = ev.find(s.slice, true);
      if (base) f.baseline_value = base->get(t.metric);
      if (!f.baseline_value) {
        f.message = "baseline metric '" + t.metric + "' not found on slice " + s.slice;
        b.failures.push_back(std::move(f));
        continue;
      }
      if (!t.passes(*f.value, *f.baseline_value)) {
        f.message = t.metric + " = " + detail::format_number(*f.value) + " vs baseline " +
                    detail::format_number(*f.baseline_value) + " on slice " + s.slice + ", expected " + t.describe();
        b.failures.push_back(std::move(f));
      }
    }
    if (!matched) {
      ++b.checks;
      threshold_failure f{t.slice, t, std::nullopt, std::nullopt, "no slice matches '" + t.slice + "'"};
      b.failures.push_back(std::move(f));
    }
  }
  b.blessed = b.failures.empty();
  if (b.blessed)
    b.reason = "blessed: " + std::to_string(b.checks) + " threshold checks passed" +
               (b.skipped_change ? " (" + std::to_string(b.skipped_change) + " change checks skipped: no baseline)" : "");
  else
    b.reason = "not blessed: " + std::to_string(b.failures.size()) + " of " + std::to_string(b.checks) +
               " threshold checks failed; first: " + b.failures.front().message;
  return b;
}

}  // namespace mlpipe
