// mlpipe/deploy/impl/predictor.ipp: bodies of deploy/predictor.hpp's non-template functions (compiled once into
// libmlpipe by src/deploy.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/deploy/predictor.hpp>

#include <charconv>
#include <cmath>
#include <limits>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL predictor::predictor(const std::filesystem::path& bundle_dir, bool fold, const model_registry& registry)
    : predictor(load_bundle(bundle_dir, registry), fold) {}

MLPIPE_DECL predictor::predictor(model_bundle b, bool fold) : b_(std::make_shared<const model_bundle>(std::move(b))) {
  for (std::size_t i = 0; i < b_->manifest.inputs.size(); ++i) index_.emplace(b_->manifest.inputs[i].name, i);
  // only the linear kinds fold (their scores are linear in the features); other kinds run the transform
  if (const auto* lin = b_->model.get_if<model>(); fold && lin) folded_ = folded_model::fold(b_->transform, *lin);
}

MLPIPE_DECL std::vector<double> predictor::predict(const table& t) const {
  std::vector<double> out(t.rows());
  predict(table_view(t), out);
  return out;
}

MLPIPE_DECL std::vector<double> predictor::predict_proba(const table& t) const {
  require_classifier();
  std::vector<double> out(t.rows() * num_classes());
  predict_proba(table_view(t), out);
  return out;
}

MLPIPE_DECL void predictor::predict(const table_view& rows, std::span<double> out) const {
  check_out(rows, out, 1);
  if (folded_ && folded_->predict(rows, out)) return;
  run(rows, [&](const any_model& m, feature_block x, std::size_t r0) {
    m.predict(x, out.subspan(r0, x.rows));
  });
}

MLPIPE_DECL void predictor::predict_proba(const table_view& rows, std::span<double> out) const {
  require_classifier();
  const std::size_t K = num_classes();
  check_out(rows, out, K);
  if (folded_ && folded_->predict_proba(rows, out)) return;
  run(rows, [&](const any_model& m, feature_block x, std::size_t r0) {
    m.predict_proba(x, out.subspan(r0 * K, x.rows * K));
  });
}

MLPIPE_DECL double predictor::predict(const feature_row& row) const {
  return predict(make_table(std::span(&row, 1)))[0];
}

MLPIPE_DECL std::vector<double> predictor::predict_proba(const feature_row& row) const {
  return predict_proba(make_table(std::span(&row, 1)));
}

MLPIPE_DECL table predictor::make_table(std::span<const feature_row> rows) const {
  const auto& in = manifest().inputs;
  std::vector<std::vector<feature_value>> cols(in.size(), std::vector<feature_value>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (const auto& [name, v] : rows[r]) cols[input_index(name, r)][r] = v;
  return columns_to_table(cols);
}

MLPIPE_DECL std::size_t predictor::input_index(std::string_view name, std::size_t row) const {
  auto it = index_.find(name);
  if (it != index_.end()) return it->second;
  std::string have;
  for (const auto& i : manifest().inputs) have += (have.empty() ? "" : ", ") + i.name;
  throw input_error((row == npos ? std::string() : "instance " + std::to_string(row) + ": ") + "unknown feature '" +
                    std::string(name) + "' (the model takes: " + have + ")");
}

MLPIPE_DECL table predictor::columns_to_table(const std::vector<std::vector<feature_value>>& cols) const {
  const auto& in = manifest().inputs;
  if (cols.size() != in.size())
    throw input_error(std::to_string(cols.size()) + " input columns, the model takes " + std::to_string(in.size()));
  table t;
  for (std::size_t j = 0; j < in.size(); ++j) {
    const auto& vals = cols[j];
    if (in[j].kind == column_kind::numeric) {
      std::vector<double> v(vals.size(), std::numeric_limits<double>::quiet_NaN());
      for (std::size_t r = 0; r < vals.size(); ++r) {
        if (auto* d = std::get_if<double>(&vals[r])) v[r] = *d;
        else if (auto* s = std::get_if<std::string>(&vals[r]))
          throw input_error("feature '" + in[j].name + "', instance " + std::to_string(r) +
                            ": expected a number, got the text \"" + *s + "\"");
      }
      t.add(column::numeric(in[j].name, std::move(v)));
    } else {
      std::vector<std::optional<std::string>> v(vals.size());
      for (std::size_t r = 0; r < vals.size(); ++r) {
        if (auto* s = std::get_if<std::string>(&vals[r])) v[r] = *s;
        else if (auto* d = std::get_if<double>(&vals[r])) v[r] = number_text(*d);
      }
      t.add(in[j].kind == column_kind::categorical ? column::categorical(in[j].name, v)
                                                   : column::strings(in[j].name, v));
    }
  }
  return t;
}

MLPIPE_DECL std::string predictor::number_text(double x) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, r.ptr);
}

MLPIPE_DECL void predictor::require_classifier() const {
  if (!is_classifier()) throw model_error("predict_proba: this bundle holds a regression model (it predicts values)");
}

MLPIPE_DECL void predictor::check_out(const table_view& rows, std::span<double> out, std::size_t per_row) {
  if (out.size() < rows.rows() * per_row)
    throw std::invalid_argument("predictor: output of " + std::to_string(out.size()) + " values for " +
                                std::to_string(rows.rows()) + " rows x " + std::to_string(per_row));
}

namespace detail {

MLPIPE_DECL feature_value json_feature(const nlohmann::json& v, const std::string& where) {
  if (v.is_null()) return std::monostate{};
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw input_error(where + ": expected a number, a text or null, got " + std::string(v.type_name()) + " " +
                    json_excerpt(v, 80));
}

}  // namespace detail

MLPIPE_DECL nlohmann::json parse_request(std::string_view body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(std::string("the body is not valid JSON: ") + e.what());
  }
}

MLPIPE_DECL table request_table(const predictor& p, const nlohmann::json& body, bool& columnar) {
  if (!body.is_object()) throw input_error("the request body must be a JSON object with \"instances\" or \"inputs\"");
  const bool has_i = body.contains("instances"), has_c = body.contains("inputs");
  if (has_i == has_c) throw input_error("the request must have exactly one of \"instances\" and \"inputs\"");
  const auto& in = p.manifest().inputs;
  std::vector<std::vector<feature_value>> cols(in.size());
  columnar = has_c;
  if (has_i) {
    const auto& rows = body["instances"];
    if (!rows.is_array() || rows.empty()) throw input_error("\"instances\" must be a non-empty array");
    for (auto& c : cols) c.resize(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) {
      const auto& row = rows[r];
      if (row.is_object()) {
        for (auto it = row.begin(); it != row.end(); ++it) {
          const std::size_t j = p.input_index(it.key(), r);  // an unknown name first, whatever its value
          cols[j][r] = detail::json_feature(it.value(), "instance " + std::to_string(r) + ", feature '" + it.key() + "'");
        }
      } else if (row.is_array()) {
        if (row.size() != in.size())
          throw input_error("instance " + std::to_string(r) + " has " + std::to_string(row.size()) +
                            " values, the model takes " + std::to_string(in.size()) + " (in signature order)");
        for (std::size_t j = 0; j < in.size(); ++j)
          cols[j][r] = detail::json_feature(row[j], "instance " + std::to_string(r) + ", feature '" + in[j].name + "'");
      } else {
        throw input_error("instance " + std::to_string(r) + " is neither an object (by feature name) nor an array");
      }
    }
  } else {
    const auto& obj = body["inputs"];
    if (!obj.is_object()) throw input_error("\"inputs\" must be an object of columns {\"feature\": [values...]}");
    std::optional<std::size_t> n;
    std::vector<const nlohmann::json*> given(in.size(), nullptr);
    for (auto it = obj.begin(); it != obj.end(); ++it) {
      if (!it.value().is_array()) throw input_error("inputs '" + it.key() + "' must be an array of values");
      if (n && *n != it.value().size())
        throw input_error("inputs '" + it.key() + "' has " + std::to_string(it.value().size()) + " values, others have " +
                          std::to_string(*n));
      n = it.value().size();
      given[p.input_index(it.key())] = &it.value();
    }
    if (!n || *n == 0) throw input_error("\"inputs\" has no values");
    for (std::size_t j = 0; j < in.size(); ++j) {
      cols[j].resize(*n);
      if (!given[j]) continue;
      for (std::size_t r = 0; r < *n; ++r)
        cols[j][r] = detail::json_feature((*given[j])[r], "inputs '" + in[j].name + "', value " + std::to_string(r));
    }
  }
  return p.columns_to_table(cols);
}

MLPIPE_DECL table request_table(const predictor& p, std::string_view body, bool& columnar) {
  return request_table(p, parse_request(body), columnar);
}

MLPIPE_DECL nlohmann::json prediction_json(const predictor& p, const table& t, bool columnar) {
  auto pred = p.predict(t);
  if (!p.is_classifier()) return columnar ? nlohmann::json{{"outputs", pred}} : nlohmann::json{{"predictions", pred}};
  auto proba = p.predict_proba(t);
  const std::size_t K = p.num_classes();
  if (columnar) {
    nlohmann::json cls = nlohmann::json::array(), pr = nlohmann::json::array();
    for (std::size_t r = 0; r < t.rows(); ++r) {
      cls.push_back(p.class_name(pred[r]));
      pr.push_back(std::vector<double>(proba.begin() + static_cast<std::ptrdiff_t>(r * K),
                                       proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * K)));
    }
    return {{"outputs", {{"class", cls}, {"probabilities", pr}}}};
  }
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t r = 0; r < t.rows(); ++r)
    out.push_back({{"class", p.class_name(pred[r])},
                   {"class_index", static_cast<std::size_t>(pred[r])},
                   {"probabilities", std::vector<double>(proba.begin() + static_cast<std::ptrdiff_t>(r * K),
                                                         proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * K))}});
  return {{"predictions", out}};
}

}  // namespace mlpipe
