// mlpipe/evaluate/impl/thresholds.ipp: bodies of evaluate/thresholds.hpp's non-template functions (builders, describe,
// JSON): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/thresholds.hpp>

#include <sstream>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/parameters.hpp>

namespace mlpipe {

MLPIPE_DECL std::string metric_threshold::describe() const {
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

MLPIPE_DECL metric_threshold at_least(std::string metric, double bound) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.lower_bound = bound;
  return t;
}

MLPIPE_DECL metric_threshold at_most(std::string metric, double bound) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.upper_bound = bound;
  return t;
}

MLPIPE_DECL metric_threshold between(std::string metric, double lower, double upper) {
  auto t = at_least(std::move(metric), lower);
  t.upper_bound = upper;
  return t;
}

MLPIPE_DECL metric_threshold change_threshold(std::string metric, metric_direction direction,
                                              std::optional<double> absolute, std::optional<double> relative) {
  metric_threshold t;
  t.metric = std::move(metric);
  t.kind = metric_threshold::kind_t::change;
  t.direction = direction;
  t.absolute = absolute;
  t.relative = relative;
  return t;
}

MLPIPE_DECL metric_threshold no_worse_than_baseline(std::string metric, double absolute) {
  auto hib = higher_is_better(metric);
  if (!hib)
    throw std::invalid_argument("no_worse_than_baseline: the direction of metric '" + metric +
                                "' is unknown; use change_threshold(metric, direction, absolute)");
  return change_threshold(std::move(metric), *hib ? metric_direction::higher_is_better : metric_direction::lower_is_better,
                          absolute);
}

MLPIPE_DECL metric_threshold no_worse_than_baseline_relative(std::string metric, double relative) {
  auto t = no_worse_than_baseline(std::move(metric));
  t.absolute.reset();
  t.relative = relative;
  return t;
}

MLPIPE_DECL void to_json(nlohmann::json& j, const metric_threshold& t) {
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

MLPIPE_DECL void write_json_value(nlohmann::json& j, const metric_threshold& t) { to_json(j, t); }
MLPIPE_DECL void read_json_value(const nlohmann::json& j, metric_threshold& t, const std::string& where) {
  metric_threshold read;  // t stays as it was when the JSON is wrong
  try {
    from_json(j, read);
  } catch (const nlohmann::json::exception& e) {
    throw parameter_error(where + ": " + e.what());
  }
  t = std::move(read);
}

MLPIPE_DECL void from_json(const nlohmann::json& j, metric_threshold& t) {
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
