// mlpipe/deploy/predictor.hpp: `predictor`, a loaded model bundle for embedding in an application: predicts
// for a row (by feature name), a block or a table; the transform folded into the model when it can be. Thread-safe.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/folded_model.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// A caller's input that does not fit the bundle's signature (unknown feature, wrong count or type); the
/// server answers it with 400.
class input_error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// One input value: missing, a number, or a text (categorical or string features).
using feature_value = std::variant<std::monostate, double, std::string>;
/// One row by feature name; absent features are missing.
using feature_row = std::map<std::string, feature_value, std::less<>>;

/// A loaded bundle, ready to predict. Immutable after construction: any number of threads may call it at once
/// (each call binds the transform to its own input and uses its own buffers).
///
/// When the transform is affine on numeric columns (standardize, min_max, constant imputation) it is folded into
/// the model's weights at load time (folded_model): one dot product per row over the input columns, the same
/// code for a row, a block and a table, so every path gives the same bits. Folded scores differ from the
/// training code's transform-then-model scores by rounding only; `fold = false` keeps the training code.
class predictor {
 public:
  static constexpr std::size_t block_rows = 4096;  // rows transformed at a time (the buffer stays in L2)

  explicit predictor(const std::filesystem::path& bundle_dir, bool fold = true)
      : predictor(load_bundle(bundle_dir), fold) {}
  explicit predictor(model_bundle b, bool fold = true) : b_(std::make_shared<const model_bundle>(std::move(b))) {
    for (std::size_t i = 0; i < b_->manifest.inputs.size(); ++i) index_.emplace(b_->manifest.inputs[i].name, i);
    if (fold) folded_ = folded_model::fold(b_->transform, b_->model);
  }

  const model_bundle& bundle() const noexcept { return *b_; }
  const bundle_manifest& manifest() const noexcept { return b_->manifest; }
  const model& trained_model() const noexcept { return b_->model; }
  const transform_graph& transform() const noexcept { return b_->transform; }
  bool is_classifier() const noexcept { return b_->model.is_classifier(); }
  std::size_t num_classes() const noexcept { return b_->model.num_classes(); }
  /// Whether predictions take the folded path (the transform folded into the weights).
  bool folded() const noexcept { return folded_.has_value(); }
  /// Class name of a class index that predict() returned.
  const std::string& class_name(double index) const { return b_->model.class_name(static_cast<std::size_t>(index)); }

  /// One value per row of `t`: the prediction (regression) or the index of the predicted class.
  std::vector<double> predict(const table& t) const {
    std::vector<double> out(t.rows());
    predict(table_view(t), out);
    return out;
  }

  /// Class probabilities, rows * num_classes() values, row-major (binary: [1 - p, p]).
  std::vector<double> predict_proba(const table& t) const {
    require_classifier();
    std::vector<double> out(t.rows() * num_classes());
    predict_proba(table_view(t), out);
    return out;
  }

  /// Rows of a table (a table, or a view of a row range): writes rows() values / rows() * num_classes()
  /// probabilities into `out` (no allocation of the output: reuse it across calls).
  void predict(const table_view& rows, std::span<double> out) const {
    check_out(rows, out, 1);
    if (folded_ && folded_->predict(rows, out)) return;
    run(rows, [&](const model& m, feature_block x, std::size_t r0) {
      m.predict(x, out.subspan(r0, x.rows));
    });
  }
  void predict_proba(const table_view& rows, std::span<double> out) const {
    require_classifier();
    const std::size_t K = num_classes();
    check_out(rows, out, K);
    if (folded_ && folded_->predict_proba(rows, out)) return;
    run(rows, [&](const model& m, feature_block x, std::size_t r0) {
      m.predict_proba(x, out.subspan(r0 * K, x.rows * K));
    });
  }

  /// One row by feature name.
  double predict(const feature_row& row) const { return predict(make_table(std::span(&row, 1)))[0]; }
  std::vector<double> predict_proba(const feature_row& row) const { return predict_proba(make_table(std::span(&row, 1))); }

  /// Rows by feature name -> a table with the signature's columns and types (unknown names and wrong types
  /// throw input_error).
  table make_table(std::span<const feature_row> rows) const {
    const auto& in = manifest().inputs;
    std::vector<std::vector<feature_value>> cols(in.size(), std::vector<feature_value>(rows.size()));
    for (std::size_t r = 0; r < rows.size(); ++r)
      for (const auto& [name, v] : rows[r]) cols[input_index(name, r)][r] = v;
    return columns_to_table(cols);
  }

  /// Index of a feature in the signature; input_error naming the known features otherwise.
  std::size_t input_index(std::string_view name, std::size_t row = npos) const {
    auto it = index_.find(name);
    if (it != index_.end()) return it->second;
    std::string have;
    for (const auto& i : manifest().inputs) have += (have.empty() ? "" : ", ") + i.name;
    throw input_error((row == npos ? std::string() : "instance " + std::to_string(row) + ": ") + "unknown feature '" +
                      std::string(name) + "' (the model takes: " + have + ")");
  }

  /// Columns in signature order (each as long as the others) -> a table.
  table columns_to_table(const std::vector<std::vector<feature_value>>& cols) const {
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

  /// Shortest text of a number (a categorical feature sent as 3 means the category "3").
  static std::string number_text(double x) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, x);
    return std::string(buf, r.ptr);
  }

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void require_classifier() const {
    if (!is_classifier()) throw model_error("predict_proba: this bundle holds a regression model (it predicts values)");
  }

  static void check_out(const table_view& rows, std::span<double> out, std::size_t per_row) {
    if (out.size() < rows.rows() * per_row)
      throw std::invalid_argument("predictor: output of " + std::to_string(out.size()) + " values for " +
                                  std::to_string(rows.rows()) + " rows x " + std::to_string(per_row));
  }

  // The unfolded path: binds the transform to the rows' table (per call: thread-safe) and feeds the model
  // block by block. Also reports why a folded call refused (a missing column, an unimputed missing value).
  template <class F>
  void run(const table_view& rows, F&& f) const {
    if (rows.rows() == 0) return;
    bound_transform tf(b_->transform, rows.base());
    std::vector<double> x(std::min(block_rows, rows.rows()) * tf.width());
    for (std::size_t r0 = 0; r0 < rows.rows(); r0 += block_rows) {
      auto view = rows.view(r0, std::min(rows.rows(), r0 + block_rows));
      f(b_->model, tf(view, x), r0);
    }
  }

  std::shared_ptr<const model_bundle> b_;
  std::optional<folded_model> folded_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

namespace detail {

inline feature_value json_feature(const nlohmann::json& v, const std::string& where) {
  if (v.is_null()) return std::monostate{};
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) return v.get<std::string>();
  throw input_error(where + ": expected a number, a text or null, got " + std::string(v.type_name()) + " " +
                    json_excerpt(v, 80));
}

}  // namespace detail

/// A request body's text -> JSON; input_error (the server's 400) when it is not JSON. nlohmann's parser and
/// destructor are iterative, so a body of any nesting depth costs memory in proportion to its size, never
/// stack; what reads the value afterwards must not recurse either (errors show detail::json_excerpt).
inline nlohmann::json parse_request(std::string_view body) {
  try {
    return nlohmann::json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw input_error(std::string("the body is not valid JSON: ") + e.what());
  }
}

/// A TensorFlow Serving request body -> a table: {"instances": [{"f": 1, ...}, ...]} (objects by feature name)
/// or {"instances": [[1, ...], ...]} (arrays in signature order) or {"inputs": {"f": [1, ...], ...}} (columnar).
/// Sets `columnar` to whether `inputs` was used (the answer then uses "outputs"). Throws input_error.
inline table request_table(const predictor& p, const nlohmann::json& body, bool& columnar) {
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

/// The same from the body's text (parse_request, then request_table): what the server does with a request.
inline table request_table(const predictor& p, std::string_view body, bool& columnar) {
  return request_table(p, parse_request(body), columnar);
}

/// The answer for a table: per row, a number (regression) or {"class", "class_index", "probabilities"}; with
/// `columnar`, {"outputs": {"class": [...], "probabilities": [[...]]}} or {"outputs": [numbers]}.
inline nlohmann::json prediction_json(const predictor& p, const table& t, bool columnar) {
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
