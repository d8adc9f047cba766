// mlpipe/train/hyperparameters.hpp: the `hyperparameters` artifact ("HyperParameters"): parameters for a stage
// (what a tuner found, what `train` applies over its own), the metric they scored and every trial.
#pragma once

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/parameters.hpp>

namespace mlpipe {

/// One trial: which parameters, at which budget, what it scored and how long it took.
struct trial_record {
  std::size_t id = 0;
  std::size_t rung = 0;      // successive halving: 0 for the smallest budget
  std::size_t budget = 0;    // 0 when the strategy uses no budget
  nlohmann::json parameters = nlohmann::json::object();
  double metric = std::numeric_limits<double>::quiet_NaN();
  double seconds = 0;
  std::string error;         // the exception's message when the trial threw

  bool ok() const noexcept { return error.empty() && !std::isnan(metric); }
};

MLPIPE_DECL void to_json(nlohmann::json& j, const trial_record& t);
MLPIPE_DECL void from_json(const nlohmann::json& j, trial_record& t);

/// Sets parameters on a reflected stage from a JSON object {name: value}; "a.b" sets the nested parameter b of
/// a. Type-checked: a value of the wrong type throws mlpipe::parameter_error naming the parameter.
template <class S>
void apply_parameters(S& stage, const nlohmann::json& params, std::string_view where = "tune") {
  if (!params.is_object()) throw parameter_error(std::string(where) + ": parameters must be a JSON object");
  for (auto it = params.begin(); it != params.end(); ++it) {
    const std::string& key = it.key();
    auto dot = key.find('.');
    if (dot == std::string::npos) {
      set_parameter(stage, key, it.value(), where);
      continue;
    }
    // nested: {"optimizer.learning_rate": v} -> optimizer = {"learning_rate": v} (other members unchanged)
    nlohmann::json nested = it.value();
    std::string rest = key.substr(dot + 1);
    for (auto d = rest.rfind('.'); d != std::string::npos; d = rest.rfind('.')) {
      nested = nlohmann::json{{rest.substr(d + 1), nested}};
      rest.resize(d);
    }
    set_parameter(stage, key.substr(0, dot), nlohmann::json{{rest, nested}}, where);
  }
}

/// Artifact "HyperParameters": the best parameters a tuner found (what `train` takes), the metric they scored,
/// and every trial. Saved as <dir>/hyperparameters.json. The fingerprint covers the best parameters and the
/// metric's name only, so re-tuning to the same answer keeps downstream caches valid despite other timings.
struct hyperparameters {
  static constexpr std::string_view type_name = "HyperParameters";

  nlohmann::json values = nlohmann::json::object();
  std::string metric;           // what was optimized, e.g. "eval_loss" or "auc"
  bool maximize = false;
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  std::string strategy;
  std::vector<trial_record> trials;

  /// Sets the best parameters on a stage (e.g. a train<M>): hp.apply_to(trainer).
  template <class S>
  void apply_to(S& stage) const {
    apply_parameters(stage, values, "hyperparameters");
  }

  nlohmann::json to_json() const;
  static hyperparameters from_json(const nlohmann::json& j);
  void save(const std::filesystem::path& dir) const;
  static hyperparameters load(const std::filesystem::path& dir);
  std::uint64_t fingerprint() const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/hyperparameters.ipp>
#endif
