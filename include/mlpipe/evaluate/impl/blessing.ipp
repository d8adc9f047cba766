// mlpipe/evaluate/impl/blessing.ipp: bodies of evaluate/blessing.hpp's non-template functions (compiled once into libmlpipe by
// src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/evaluate/blessing.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL nlohmann::json model_blessing::to_json() const {
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

MLPIPE_DECL model_blessing model_blessing::from_json(const nlohmann::json& j) {
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

MLPIPE_DECL void model_blessing::save(const std::filesystem::path& dir) const {
  detail::write_json_file(dir / "blessing.json", to_json());
  std::ofstream(dir / (blessed ? "BLESSED" : "NOT_BLESSED"));
}

MLPIPE_DECL model_blessing model_blessing::load(const std::filesystem::path& dir) {
  return detail::load_json_file(dir / "blessing.json", "no ModelBlessing there",
                                [](const nlohmann::json& j) { return from_json(j); });
}

MLPIPE_DECL std::string detail::format_number(double v) {
  std::ostringstream s;
  s.precision(6);
  s << v;
  return s.str();
}

MLPIPE_DECL model_blessing bless(const model_evaluation& ev, std::span<const metric_threshold> thresholds) {
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

MLPIPE_DECL std::uint64_t model_blessing::fingerprint() const {
  return detail::json_fingerprint(to_json(), 0x626c657373ULL);
}

}  // namespace mlpipe
