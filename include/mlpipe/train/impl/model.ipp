// mlpipe/train/impl/model.ipp: bodies of train/model.hpp's non-template functions (compiled once into libmlpipe
// by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/model.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL void model::decision_function(feature_block x, std::span<double> out) const {
  check(x, out, outputs);
  const std::size_t d = features, k = outputs;
  for (std::size_t r = 0; r < x.rows; ++r) {
    const double* xr = x.row(r);
    double* o = out.data() + r * k;
    if (k == 1) {
      double z = bias[0];
      for (std::size_t j = 0; j < d; ++j) z += xr[j] * weights[j];
      o[0] = z;
    } else {
      for (std::size_t c = 0; c < k; ++c) o[c] = bias[c];
      for (std::size_t j = 0; j < d; ++j) {
        const double xj = xr[j];
        const double* w = weights.data() + j * k;
        for (std::size_t c = 0; c < k; ++c) o[c] += xj * w[c];
      }
    }
  }
}

MLPIPE_DECL void model::predict_proba(feature_block x, std::span<double> out) const {
  if (!is_classifier()) throw model_error("predict_proba: a linear regression model gives values, not probabilities");
  const std::size_t K = num_classes();
  check(x, out, K);
  if (kind == model_kind::logistic) {
    for (std::size_t r = 0; r < x.rows; ++r) {
      double z = bias[0];
      const double* xr = x.row(r);
      for (std::size_t j = 0; j < features; ++j) z += xr[j] * weights[j];
      double p = detail::sigmoid(z);
      out[2 * r] = 1.0 - p;
      out[2 * r + 1] = p;
    }
    return;
  }
  decision_function(x, out);
  for (std::size_t r = 0; r < x.rows; ++r) detail::softmax_inplace(out.data() + r * K, K);
}

MLPIPE_DECL void model::predict(feature_block x, std::span<double> out) const {
  check(x, out, 1);
  if (kind == model_kind::linear) {
    decision_function(x, out);
    return;
  }
  std::vector<double> z(outputs);
  for (std::size_t r = 0; r < x.rows; ++r) {
    decision_function(feature_block{x.row(r), 1, x.cols}, z);
    if (kind == model_kind::logistic)
      out[r] = z[0] > 0 ? 1.0 : 0.0;
    else
      out[r] = static_cast<double>(std::max_element(z.begin(), z.end()) - z.begin());
  }
}

MLPIPE_DECL nlohmann::json model::to_json() const {
  return {{"format", "mlpipe.model"}, {"version", format_version}, {"kind", std::string(to_string(kind))},
          {"features", features},     {"outputs", outputs},        {"weights", weights},
          {"bias", bias},             {"classes", classes},        {"feature_names", feature_names},
          {"label", label},           {"training", training}};
}

MLPIPE_DECL model model::from_json(const nlohmann::json& j, const std::string& where) {
  if (!detail::json_format_is(j, "mlpipe.model"))
    throw model_error(where + ": not an mlpipe model (\"format\" is not \"mlpipe.model\")");
  if (detail::json_version(j) != format_version)
    throw model_error(where + ": model format version " + detail::json_version_shown(j) +
                      " is not supported (this mlpipe reads version " + std::to_string(format_version) + ")");
  model m;
  using detail::json_field;
  auto k = json_field<std::string, model_error>(j, "kind", where);
  if (k == "linear") m.kind = model_kind::linear;
  else if (k == "logistic") m.kind = model_kind::logistic;
  else if (k == "softmax") m.kind = model_kind::softmax;
  else throw model_error(where + ": unknown model kind '" + k + "'");
  // bounded so that features * outputs cannot wrap around (the weights' size is checked against it)
  m.features = detail::json_count<model_error>(j, "features", where);
  m.outputs = detail::json_count<model_error>(j, "outputs", where, 1u << 20);
  m.weights = json_field<std::vector<double>, model_error>(j, "weights", where);
  m.bias = json_field<std::vector<double>, model_error>(j, "bias", where);
  m.classes = json_field<std::vector<std::string>, model_error>(j, "classes", where);
  if (j.contains("feature_names"))
    m.feature_names = json_field<std::vector<std::string>, model_error>(j, "feature_names", where);
  if (j.contains("label")) m.label = json_field<std::string, model_error>(j, "label", where);
  m.training = j.value("training", nlohmann::json::object());
  m.validate(where);
  return m;
}

MLPIPE_DECL void model::validate(const std::string& where) const {
  auto fail = [&](const std::string& what) { throw model_error(where + ": " + what); };
  if (outputs == 0) fail("0 outputs");
  if (features > weights.size() || weights.size() != features * outputs)  // the first: no wrap-around
    fail(std::to_string(weights.size()) + " weights for " + std::to_string(features) + " features x " +
         std::to_string(outputs) + " outputs");
  if (bias.size() != outputs) fail(std::to_string(bias.size()) + " biases for " + std::to_string(outputs) + " outputs");
  if (kind == model_kind::logistic && (outputs != 1 || classes.size() != 2)) fail("a logistic model has 2 classes");
  if (kind == model_kind::softmax && classes.size() != outputs) fail("softmax outputs != classes");
  if (kind == model_kind::linear && outputs != 1) fail("a linear model has 1 output");
  if (!feature_names.empty() && feature_names.size() != features) fail("feature_names do not match features");
  for (double w : weights)
    if (!std::isfinite(w)) fail("a weight is not finite");
  for (double b : bias)
    if (!std::isfinite(b)) fail("a bias is not finite");
}

MLPIPE_DECL void model::save(const std::filesystem::path& dir) const {
  detail::write_json_file<model_error>(dir / "model.json", to_json(), 1);
}

MLPIPE_DECL model model::load(const std::filesystem::path& dir) {
  auto file = dir / "model.json";
  return from_json(detail::read_json_file<model_error>(file, "is this a Model artifact directory?"), file.string());
}

MLPIPE_DECL std::uint64_t model::fingerprint() const {
  hasher h(0x6d6f64656cULL);
  h.update_value(kind);
  h.update_value(static_cast<std::uint64_t>(features));
  h.update_value(static_cast<std::uint64_t>(outputs));
  for (double w : weights) h.update_value(w);
  for (double b : bias) h.update_value(b);
  for (auto& c : classes) h.update(std::string_view(c));
  h.update(std::string_view(label));
  return h.digest();
}

MLPIPE_DECL void model::check(feature_block x, std::span<double> out, std::size_t per_row) const {
  if (x.cols != features)
    throw model_error("model expects " + std::to_string(features) + " features per row, the block has " +
                      std::to_string(x.cols));
  if (out.size() < x.rows * per_row)
    throw model_error("output buffer holds " + std::to_string(out.size()) + " values, needs " +
                      std::to_string(x.rows * per_row));
}

}  // namespace mlpipe
