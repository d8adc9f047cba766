// mlpipe/transform/transform_graph.hpp: the fitted preprocessing (artifact "TransformGraph") and how it runs.
// It maps a table block to a dense row-major feature block; training, evaluation and serving all call this code.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/transform/feature_block.hpp>

namespace mlpipe {

/// A transform that cannot be fitted, loaded, bound to a table or applied (with the column and row at fault).
class transform_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One fitted element-wise step on a numeric column. Every step maps one value to one value, so a row
/// transformed alone gives exactly what it gives inside a block.
enum class numeric_step_kind : std::uint8_t {
  impute,     // missing (NaN) -> a
  log1p,      // log(1 + x)
  clip,       // clamp to [a, b]
  affine,     // x * a + b (standardize, min_max)
  bucketize,  // index of the bucket: the number of boundaries <= x
  user,       // a user's element-wise step, by its registered name (xtensor_op, register_step)
};

inline std::string_view to_string(numeric_step_kind k) noexcept {
  switch (k) {
    case numeric_step_kind::impute: return "impute";
    case numeric_step_kind::log1p: return "log1p";
    case numeric_step_kind::clip: return "clip";
    case numeric_step_kind::affine: return "affine";
    case numeric_step_kind::bucketize: return "bucketize";
    case numeric_step_kind::user: return "user";
  }
  return "unknown";
}

/// A user step's kernel: maps n values in place, each value alone (a row transformed alone must give what it
/// gives inside a block).
using step_function = void (*)(double* values, std::size_t n);

struct numeric_step {
  numeric_step_kind kind = numeric_step_kind::affine;
  double a = 0.0, b = 0.0;
  std::vector<double> boundaries{};  // bucketize only, ascending
  std::string name{};                // user only: the registered name (saved)
  step_function apply = nullptr;     // user only: its kernel in this program (not saved; found by name)
  friend bool operator==(const numeric_step&, const numeric_step&) = default;
};

namespace detail {
struct step_registry {
  std::mutex m;
  std::map<std::string, step_function, std::less<>> steps;
  static step_registry& instance() {
    static step_registry r;
    return r;
  }
};
}  // namespace detail

/// Makes a user step loadable by name in this program (a saved transform names its user steps; a program that
/// loads one, to evaluate or serve it, registers the same kernels first). xtensor_op registers itself when
/// fitted; register_op<Op>() does it without fitting. A name registered with another kernel is an error.
MLPIPE_DECL void register_step(std::string_view name, step_function f);

/// The kernel registered under `name`, or nullptr.
MLPIPE_DECL step_function find_step(std::string_view name);

/// How a column becomes features.
enum class feature_encoding : std::uint8_t {
  value,            // one feature: the numeric value after the steps
  bucket_one_hot,   // `slots` features: one-hot of the bucket index (bucketize then one_hot)
  one_hot,          // vocabulary.size() + 1 features; the last is the out-of-vocabulary slot
  hashed,           // `slots` features: one-hot of hash(value) mod slots (feature hashing)
};

inline std::string_view to_string(feature_encoding e) noexcept {
  switch (e) {
    case feature_encoding::value: return "value";
    case feature_encoding::bucket_one_hot: return "bucket_one_hot";
    case feature_encoding::one_hot: return "one_hot";
    case feature_encoding::hashed: return "hashed";
  }
  return "unknown";
}

/// The fitted transform of one input column.
struct column_transform {
  std::string column;                    // input column name
  column_kind input_kind = column_kind::numeric;
  std::vector<numeric_step> steps;       // numeric columns: applied in order
  feature_encoding encoding = feature_encoding::value;
  std::vector<std::string> vocabulary;   // one_hot: slot i is vocabulary[i]
  std::size_t slots = 0;                 // bucket_one_hot, hashed: number of features
  bool has_fill = false;                 // categorical/string: missing values take `fill` (impute_most_frequent)
  std::string fill;
  std::size_t offset = 0;                // first output feature (set by transform_graph::finalize)

  std::size_t width() const noexcept {
    switch (encoding) {
      case feature_encoding::value: return 1;
      case feature_encoding::one_hot: return vocabulary.size() + 1;
      default: return slots;
    }
  }
  friend bool operator==(const column_transform&, const column_transform&) = default;

  /// The feature as an affine map of the input, when it is one: feature = impute(v) * scale + shift.
  struct affine_form {
    double fill = std::numeric_limits<double>::quiet_NaN();  // what a missing value becomes (NaN: no imputation)
    double scale = 1.0, shift = 0.0;
  };
  /// A numeric value column whose steps are imputations (the first that has a number fills; the later ones see
  /// no missing value) then at most one affine step: what impute_mean/median/constant, standardize and min_max
  /// fit. Consumers fold the map into their own arithmetic instead of writing the feature (training into its
  /// weights, the deployed predictor into the model). nullopt for anything else (one-hot, buckets, log1p,
  /// clip...).
  std::optional<affine_form> as_affine() const noexcept;
};

namespace detail {

/// Stable hash of a category for feature hashing (same on every machine and run).
inline std::size_t hash_slot(std::string_view s, std::size_t slots) noexcept {
  return static_cast<std::size_t>(fingerprint_bytes(s.data(), s.size(), 0x68617368ULL) % slots);
}

inline bool non_finite(double v) noexcept {
  constexpr std::uint64_t exp = 0x7ff0000000000000ULL;
  return (std::bit_cast<std::uint64_t>(v) & exp) == exp;
}

/// Whether some value is NaN or infinite. Eight independent sums keep the adds in flight (no 64-bit SIMD
/// compare is needed, so it stays fast on plain SSE2).
inline bool any_non_finite(const double* p, std::size_t n) noexcept {
  double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (std::size_t l = 0; l < 8; ++l) a[l] += p[i + l] * 0.0;
  for (; i < n; ++i) a[0] += p[i] * 0.0;
  return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) != 0.0;
}

/// Applies one numeric step in place to n values (one tight loop per step: the compiler vectorizes it).
inline void apply_step(const numeric_step& s, double* x, std::size_t n) noexcept {
  switch (s.kind) {
    case numeric_step_kind::impute: {
      const double a = s.a;
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] != x[i] ? a : x[i];
      break;
    }
    case numeric_step_kind::log1p:
      for (std::size_t i = 0; i < n; ++i) x[i] = std::log1p(x[i]);
      break;
    case numeric_step_kind::clip: {
      const double lo = s.a, hi = s.b;
      for (std::size_t i = 0; i < n; ++i) {
        double v = x[i] < lo ? lo : x[i];
        x[i] = v > hi ? hi : v;
      }
      break;
    }
    case numeric_step_kind::affine: {
      const double a = s.a, b = s.b;
      for (std::size_t i = 0; i < n; ++i) x[i] = x[i] * a + b;
      break;
    }
    case numeric_step_kind::bucketize: {
      const auto& bd = s.boundaries;
      for (std::size_t i = 0; i < n; ++i) {
        if (x[i] != x[i]) continue;  // stays NaN: the validation reports it
        x[i] = static_cast<double>(std::upper_bound(bd.begin(), bd.end(), x[i]) - bd.begin());
      }
      break;
    }
    case numeric_step_kind::user:
      s.apply(x, n);  // validate() and fit guarantee a kernel
      break;
  }
}

inline double apply_steps_one(const std::vector<numeric_step>& steps, double v) noexcept {
  for (auto& s : steps) apply_step(s, &v, 1);
  return v;
}

}  // namespace detail

class bound_transform;

/// Artifact "TransformGraph": the fitted preprocessing of every feature column, in output order.
/// Saved as <dir>/transform_graph.json.
class transform_graph {
 public:
  static constexpr std::string_view type_name = "TransformGraph";
  static constexpr int format_version = 1;

  std::vector<column_transform> columns;  // in output order
  std::string label;                      // the label column (never a feature)
  nlohmann::json ops = nlohmann::json::array();  // the op composition that was fitted, for the record
  /// A numeric value that is missing and not imputed becomes a NaN feature instead of an error: for models
  /// that take missing values themselves (XGBoost). Infinities and log1p of values below -1 still throw.
  bool missing_as_nan = false;

  /// Sets every column's output offset; call after editing `columns`.
  void finalize();

  /// Number of features each row becomes.
  std::size_t width() const noexcept { return width_; }

  /// The name of each output feature: "x", "color=red", "color=<oov>", "age[bucket 3]", "city#17".
  std::vector<std::string> feature_names() const;

  /// The input columns the transform reads, in order.
  std::vector<std::string> input_columns() const;

  /// Resolves the columns of `t` once (indices, dictionary remaps) for fast block transforms of its views.
  bound_transform bind(const table& t) const;

  /// One-shot: transforms `block` into `out` (block.rows() * width() doubles). Binds on each call; in a loop
  /// over blocks of one table, bind() once instead.
  void transform(const table_view& block, std::span<double> out) const;

  nlohmann::json to_json() const;

  static transform_graph from_json(const nlohmann::json& j, const std::string& where = "transform graph");

  /// Most features one column may make, and all columns together: bounds what a block allocates per row.
  static constexpr std::uint64_t max_slots = 1u << 24, max_width = 1u << 26;

  /// Throws transform_error (prefixed with `where`) unless every column is one the kernels can apply: numeric
  /// columns are encoded as a value or one-hot of their buckets (after a bucketize step whose boundaries are
  /// ascending numbers, one slot per bucket); categorical and string columns as one-hot or hashed, without
  /// numeric steps; slot counts from 1 to max_slots, at most max_width features in all.
  void validate(const std::string& where = "transform graph") const;

  void save(const std::filesystem::path& dir) const;

  static transform_graph load(const std::filesystem::path& dir);

  /// Content hash of the fitted transform (its canonical JSON).
  std::uint64_t fingerprint() const;

  friend bool operator==(const transform_graph& a, const transform_graph& b) {
    return a.columns == b.columns && a.label == b.label && a.width_ == b.width_;
  }

 private:
  static column_kind kind_from(const std::string& s, const std::string& where);
  static feature_encoding encoding_from(const std::string& s, const std::string& where);
  static numeric_step_kind step_from(const std::string& s, const std::string& where);

  std::size_t width_ = 0;
};

/// A transform_graph resolved against one table: column indices and category-to-slot maps are computed once,
/// so transforming each block costs only the element loops. Keeps a scratch buffer: use one per thread.
/// The graph and the table must outlive it.
class bound_transform {
 public:
  bound_transform(const transform_graph& g, const table& t);

  std::size_t width() const noexcept { return g_->width(); }
  const transform_graph& graph() const noexcept { return *g_; }
  const table& source() const noexcept { return *t_; }

  /// Feature j as an affine map of one numeric input column: feature = values[r] * scale + shift.
  struct affine_feature {
    std::size_t column = 0;  // index in the bound table
    double scale = 1.0, shift = 0.0;
  };
  /// When every feature is one numeric column through imputations and at most one affine step (standardize,
  /// min_max, or nothing: column_transform::as_affine), each feature's map for present values; empty
  /// otherwise. A consumer may then fold the maps into its own arithmetic (training folds them into the
  /// weights) instead of writing features out, as long as it sends rows holding a NaN or infinity through
  /// operator(), which imputes them or throws.
  std::span<const affine_feature> affine_features() const noexcept { return affine_; }

  /// Transforms the rows of `block` (a view of the bound table) into `out`, row-major, block.rows() * width()
  /// values; then validates: a non-finite feature (a missing value with no imputation, log1p of a value
  /// below -1, an infinity) throws transform_error naming the row and column. Returns the feature block.
  feature_block operator()(const table_view& block, std::span<double> out) const;

 private:
  static constexpr std::uint32_t npos = std::numeric_limits<std::uint32_t>::max();
  enum class fast_path : std::uint8_t { copy, affine, impute_affine, impute, general };

  struct bound {
    std::size_t index = 0;
    column_kind kind = column_kind::numeric;
    std::vector<std::uint32_t> remap;  // categorical code -> slot (npos: none)
    std::unordered_map<std::string, std::uint32_t> lookup;  // string columns under one_hot
    std::uint32_t oov = 0;
    std::uint32_t missing_slot = npos;
    fast_path fast = fast_path::general;
  };

  void find_affine_features();

  static fast_path classify(const column_transform& c);

  // One column into the strided output; returns non-zero when some output is not finite.
  std::uint64_t numeric(const column_transform& c, const bound& b, const double* src, std::size_t n, double* dst,
                        std::size_t W) const;

  // Rows [t0, t1) of a categorical or string column; dst points at row t0's first slot of the column.
  void categorical(const column_transform& c, const bound& b, const column_view& cv, std::size_t t0, std::size_t t1,
                   double* dst, std::size_t W) const;

  void report_non_finite(const table_view& block, std::span<const double> out) const;

  const transform_graph* g_;
  const table* t_;
  std::vector<bound> cols_;
  bool any_one_hot_ = false;
  mutable std::vector<double> scratch_;
  struct simple_column {
    const double* src;
    std::size_t offset;
    fast_path fast;
    double fill, a, k;
  };
  mutable std::vector<simple_column> simple_;
  std::vector<affine_feature> affine_;
};



}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/transform_graph.ipp>
#endif
