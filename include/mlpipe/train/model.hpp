// mlpipe/train/model.hpp: the trained model (artifact "Model"): linear, logistic or softmax weights.
// predict / predict_proba take a dense feature block, so training, evaluation and serving share them.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/transform/feature_block.hpp>

namespace mlpipe {

/// A model that cannot be trained, loaded or applied.
class model_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Which model the weights belong to.
enum class model_kind : std::uint8_t { linear, logistic, softmax };

inline std::string_view to_string(model_kind k) noexcept {
  switch (k) {
    case model_kind::linear: return "linear";
    case model_kind::logistic: return "logistic";
    case model_kind::softmax: return "softmax";
  }
  return "unknown";
}

namespace detail {
inline double sigmoid(double z) noexcept {
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}
/// z (k values) -> probabilities in place, stable.
inline void softmax_inplace(double* z, std::size_t k) noexcept {
  double m = z[0];
  for (std::size_t c = 1; c < k; ++c) m = std::max(m, z[c]);
  double s = 0;
  for (std::size_t c = 0; c < k; ++c) s += (z[c] = std::exp(z[c] - m));
  for (std::size_t c = 0; c < k; ++c) z[c] /= s;
}
}  // namespace detail

/// Artifact "Model". Weights are feature-major: weight(j, c) = weights[j * outputs + c]; outputs is 1 for
/// linear and logistic (the positive class is classes[1]) and the number of classes for softmax.
/// Saved as <dir>/model.json (numbers round-trip exactly).
class model {
 public:
  static constexpr std::string_view type_name = "Model";
  static constexpr int format_version = 1;

  model_kind kind = model_kind::linear;
  std::size_t features = 0;
  std::size_t outputs = 1;
  std::vector<double> weights;            // features * outputs
  std::vector<double> bias;               // outputs
  std::vector<std::string> classes;       // classification: class names, in class-index order
  std::vector<std::string> feature_names; // for reading the weights (from the transform)
  std::string label;                      // the label column it was trained on
  nlohmann::json training = nlohmann::json::object();  // parameters and figures of the run that trained it

  bool is_classifier() const noexcept { return kind != model_kind::linear; }
  /// The bundle's and the registry's name for it: linear, logistic or softmax.
  std::string kind_name() const { return std::string(to_string(kind)); }
  std::size_t num_classes() const noexcept { return classes.size(); }
  double weight(std::size_t feature, std::size_t output = 0) const { return weights.at(feature * outputs + output); }

  /// Linear scores z = x W + b, rows * outputs values.
  void decision_function(feature_block x, std::span<double> out) const;

  /// Class probabilities, rows * num_classes() values (binary: [1 - p, p], as scikit-learn).
  void predict_proba(feature_block x, std::span<double> out) const;

  /// One value per row: the prediction (regression) or the index of the most probable class (first on a tie).
  void predict(feature_block x, std::span<double> out) const;

  /// The class name of a predicted class index.
  const std::string& class_name(std::size_t index) const { return classes.at(index); }

  nlohmann::json to_json() const;

  static model from_json(const nlohmann::json& j, const std::string& where = "model");

  /// Throws when the sizes disagree (a hand-edited or truncated file).
  void validate(const std::string& where = "model") const;

  void save(const std::filesystem::path& dir) const;
  static model load(const std::filesystem::path& dir);

  /// Content hash: kind, shapes, weights, classes (not the training record, which holds timings).
  std::uint64_t fingerprint() const;

 private:
  void check(feature_block x, std::span<double> out, std::size_t per_row) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/model.ipp>
#endif
