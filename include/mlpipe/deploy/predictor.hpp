// mlpipe/deploy/predictor.hpp: `predictor`, a loaded model bundle for embedding in an application: predicts
// for a row (by feature name), a block or a table; the transform folded into the model when it can be. Thread-safe.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
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

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
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

  explicit predictor(const std::filesystem::path& bundle_dir, bool fold = true,
                     const model_registry& registry = default_model_registry());
  explicit predictor(model_bundle b, bool fold = true);

  const model_bundle& bundle() const noexcept { return *b_; }
  const bundle_manifest& manifest() const noexcept { return b_->manifest; }
  const any_model& trained_model() const noexcept { return b_->model; }
  const transform_graph& transform() const noexcept { return b_->transform; }
  bool is_classifier() const noexcept { return b_->model.is_classifier(); }
  std::size_t num_classes() const noexcept { return b_->model.num_classes(); }
  /// Whether predictions take the folded path (the transform folded into the weights).
  bool folded() const noexcept { return folded_.has_value(); }
  /// Class name of a class index that predict() returned.
  const std::string& class_name(double index) const { return b_->model.class_name(static_cast<std::size_t>(index)); }

  /// One value per row of `t`: the prediction (regression) or the index of the predicted class.
  std::vector<double> predict(const table& t) const;

  /// Class probabilities, rows * num_classes() values, row-major (binary: [1 - p, p]).
  std::vector<double> predict_proba(const table& t) const;

  /// Rows of a table (a table, or a view of a row range): writes rows() values / rows() * num_classes()
  /// probabilities into `out` (no allocation of the output: reuse it across calls).
  void predict(const table_view& rows, std::span<double> out) const;
  void predict_proba(const table_view& rows, std::span<double> out) const;

  /// One row by feature name.
  double predict(const feature_row& row) const;
  std::vector<double> predict_proba(const feature_row& row) const;

  /// Rows by feature name -> a table with the signature's columns and types (unknown names and wrong types
  /// throw input_error).
  table make_table(std::span<const feature_row> rows) const;

  /// Index of a feature in the signature; input_error naming the known features otherwise.
  std::size_t input_index(std::string_view name, std::size_t row = npos) const;

  /// Columns in signature order (each as long as the others) -> a table.
  table columns_to_table(const std::vector<std::vector<feature_value>>& cols) const;

  /// Shortest text of a number (a categorical feature sent as 3 means the category "3").
  static std::string number_text(double x);

 private:
  static constexpr std::size_t npos = static_cast<std::size_t>(-1);

  void require_classifier() const;

  static void check_out(const table_view& rows, std::span<double> out, std::size_t per_row);

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

/// One JSON value of a request (null, a number or a text) -> a feature value; input_error naming `where` otherwise.
MLPIPE_DECL feature_value json_feature(const nlohmann::json& v, const std::string& where);

}  // namespace detail

/// A request body's text -> JSON; input_error (the server's 400) when it is not JSON. nlohmann's parser and
/// destructor are iterative, so a body of any nesting depth costs memory in proportion to its size, never
/// stack; what reads the value afterwards must not recurse either (errors show detail::json_excerpt).
MLPIPE_DECL nlohmann::json parse_request(std::string_view body);

/// A TensorFlow Serving request body -> a table: {"instances": [{"f": 1, ...}, ...]} (objects by feature name)
/// or {"instances": [[1, ...], ...]} (arrays in signature order) or {"inputs": {"f": [1, ...], ...}} (columnar).
/// Sets `columnar` to whether `inputs` was used (the answer then uses "outputs"). Throws input_error.
MLPIPE_DECL table request_table(const predictor& p, const nlohmann::json& body, bool& columnar);

/// The same from the body's text (parse_request, then request_table): what the server does with a request.
MLPIPE_DECL table request_table(const predictor& p, std::string_view body, bool& columnar);

/// The answer for a table: per row, a number (regression) or {"class", "class_index", "probabilities"}; with
/// `columnar`, {"outputs": {"class": [...], "probabilities": [[...]]}} or {"outputs": [numbers]}.
MLPIPE_DECL nlohmann::json prediction_json(const predictor& p, const table& t, bool columnar);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/deploy/impl/predictor.ipp>
#endif
