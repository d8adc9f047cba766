// mlpipe/train/impl/hyperparameters.ipp: bodies of train/hyperparameters.hpp's non-template functions (compiled
// once into libmlpipe by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/hyperparameters.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL void to_json(nlohmann::json& j, const trial_record& t) {
  j = {{"id", t.id}, {"rung", t.rung}, {"budget", t.budget}, {"parameters", t.parameters}, {"seconds", t.seconds}};
  j["metric"] = std::isnan(t.metric) ? nlohmann::json(nullptr) : nlohmann::json(t.metric);
  if (!t.error.empty()) j["error"] = t.error;
}

MLPIPE_DECL void from_json(const nlohmann::json& j, trial_record& t) {
  t.id = j.at("id").get<std::size_t>();
  t.rung = j.value("rung", std::size_t{0});
  t.budget = j.value("budget", std::size_t{0});
  t.parameters = j.at("parameters");
  t.metric = j.at("metric").is_null() ? std::numeric_limits<double>::quiet_NaN() : j["metric"].get<double>();
  t.seconds = j.value("seconds", 0.0);
  t.error = j.value("error", "");
}

MLPIPE_DECL nlohmann::json hyperparameters::to_json() const {
  nlohmann::json j = {{"format", "mlpipe.HyperParameters"}, {"version", 1}, {"values", values},
                      {"metric", metric}, {"maximize", maximize}, {"strategy", strategy}, {"trials", trials}};
  j["best_metric"] = std::isnan(best_metric) ? nlohmann::json(nullptr) : nlohmann::json(best_metric);
  return j;
}

MLPIPE_DECL hyperparameters hyperparameters::from_json(const nlohmann::json& j) {
  if (!detail::json_format_is(j, "mlpipe.HyperParameters"))
    throw std::runtime_error("not a HyperParameters artifact (format field is " + detail::json_format_shown(j) + ")");
  if (detail::json_version(j) != 1)
    throw std::runtime_error("HyperParameters version " + detail::json_version_shown(j) + " is not supported (expected 1)");
  hyperparameters h;
  h.values = j.at("values");
  h.metric = j.at("metric").get<std::string>();
  h.maximize = j.at("maximize").get<bool>();
  h.strategy = j.at("strategy").get<std::string>();
  h.trials = j.at("trials").get<std::vector<trial_record>>();
  h.best_metric = j.at("best_metric").is_null() ? std::numeric_limits<double>::quiet_NaN() : j["best_metric"].get<double>();
  return h;
}

MLPIPE_DECL void hyperparameters::save(const std::filesystem::path& dir) const {
  detail::write_json_file(dir / "hyperparameters.json", to_json());
}

MLPIPE_DECL hyperparameters hyperparameters::load(const std::filesystem::path& dir) {
  return detail::load_json_file(dir / "hyperparameters.json", "no HyperParameters there",
                                [](const nlohmann::json& j) { return from_json(j); });
}

MLPIPE_DECL std::uint64_t hyperparameters::fingerprint() const {
  hasher h(0x68797065ULL);
  h.update(std::string_view(values.dump()));
  h.update(std::string_view(metric));
  return h.digest();
}

}  // namespace mlpipe
