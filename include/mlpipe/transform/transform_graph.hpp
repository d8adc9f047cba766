// mlpipe/transform/transform_graph.hpp: the fitted preprocessing (artifact "TransformGraph") and how it runs.
// It maps a table block to a dense row-major feature block; training, evaluation and serving all call this code.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
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
#include <mlpipe/core/json_file.hpp>
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
inline void register_step(std::string_view name, step_function f) {
  auto& r = detail::step_registry::instance();
  std::lock_guard<std::mutex> lock(r.m);
  auto it = r.steps.find(name);
  if (it == r.steps.end()) r.steps.emplace(std::string(name), f);
  else if (it->second != f)
    throw std::invalid_argument("register_step: the step name '" + std::string(name) +
                                "' is already registered with another kernel");
}

/// The kernel registered under `name`, or nullptr.
inline step_function find_step(std::string_view name) {
  auto& r = detail::step_registry::instance();
  std::lock_guard<std::mutex> lock(r.m);
  auto it = r.steps.find(name);
  return it == r.steps.end() ? nullptr : it->second;
}

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
  std::optional<affine_form> as_affine() const noexcept {
    if (input_kind != column_kind::numeric || encoding != feature_encoding::value) return std::nullopt;
    affine_form f;
    std::size_t i = 0;
    for (; i < steps.size() && steps[i].kind == numeric_step_kind::impute; ++i)
      if (f.fill != f.fill) f.fill = steps[i].a;
    if (i < steps.size() && steps[i].kind == numeric_step_kind::affine) f.scale = steps[i].a, f.shift = steps[i].b, ++i;
    if (i != steps.size()) return std::nullopt;
    return f;
  }
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
  void validate(const std::string& where = "transform graph") const {
    std::uint64_t width = 0;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      const auto& c = columns[i];
      auto fail = [&](const std::string& why) {
        throw transform_error(where + ": column '" + c.column + "' (columns[" + std::to_string(i) + "]): " + why);
      };
      for (std::size_t k = 0; k < i; ++k)
        if (columns[k].column == c.column) fail("the column comes twice");
      const bool numeric = c.input_kind == column_kind::numeric;
      const auto enc = std::string(to_string(c.encoding));
      if (numeric && c.encoding != feature_encoding::value && c.encoding != feature_encoding::bucket_one_hot)
        fail("a numeric column is encoded as \"value\" or \"bucket_one_hot\", not \"" + enc + "\"");
      if (!numeric && c.encoding != feature_encoding::one_hot && c.encoding != feature_encoding::hashed)
        fail("a " + std::string(to_string(c.input_kind)) + " column is encoded as \"one_hot\" or \"hashed\", not \"" +
             enc + "\"");
      if (!numeric && !c.steps.empty()) fail("numeric steps on a " + std::string(to_string(c.input_kind)) + " column");
      if (c.has_fill && numeric) fail("a text \"fill\" on a numeric column");
      const numeric_step* last_bucketize = nullptr;
      for (const auto& s : c.steps) {
        if (s.kind == numeric_step_kind::user && !s.apply)
          fail("the user step '" + s.name + "' is not registered in this program (register_op<" + s.name +
               ">() or register_step(\"" + s.name + "\", kernel) before loading)");
        if (s.kind != numeric_step_kind::bucketize) continue;
        last_bucketize = &s;
        for (std::size_t k = 0; k < s.boundaries.size(); ++k)
          if (!std::isfinite(s.boundaries[k]) || (k > 0 && !(s.boundaries[k - 1] < s.boundaries[k])))
            fail("bucketize boundaries must be finite and strictly ascending");
      }
      if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed) {
        if (c.slots == 0 || c.slots > max_slots)
          fail(std::to_string(c.slots) + " slots (from 1 to " + std::to_string(max_slots) + ")");
      }
      if (c.encoding == feature_encoding::bucket_one_hot &&
          (!last_bucketize || c.slots != last_bucketize->boundaries.size() + 1))
        fail("\"bucket_one_hot\" needs a bucketize step with slots - 1 boundaries");
      if (c.encoding == feature_encoding::one_hot && c.vocabulary.size() >= max_slots)
        fail("a vocabulary of " + std::to_string(c.vocabulary.size()) + " values (at most " +
             std::to_string(max_slots - 1) + ")");
      width += c.width();
      if (width > max_width) fail("more than " + std::to_string(max_width) + " features in all");
    }
  }

  void save(const std::filesystem::path& dir) const;

  static transform_graph load(const std::filesystem::path& dir);

  /// Content hash of the fitted transform (its canonical JSON).
  std::uint64_t fingerprint() const { return detail::json_fingerprint(to_json(), 0x7866726dULL); }

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
  bound_transform(const transform_graph& g, const table& t) : g_(&g), t_(&t) {
    cols_.reserve(g.columns.size());
    for (auto& c : g.columns) {
      auto idx = t.index_of(c.column);
      if (!idx) {
        std::string have;
        for (auto& n : t.names()) have += (have.empty() ? "" : ", ") + n;
        throw transform_error("the transform needs column '" + c.column + "', which the table does not have (columns: " +
                              have + ")");
      }
      const column& col = t.col(*idx);
      bound b;
      b.index = *idx;
      b.kind = col.kind();
      bool want_numeric = c.input_kind == column_kind::numeric;
      if (want_numeric != (col.kind() == column_kind::numeric))
        throw transform_error("column '" + c.column + "' was " + std::string(to_string(c.input_kind)) +
                              " when the transform was fitted, but is " + std::string(to_string(col.kind())) + " here");
      b.missing_slot = npos;
      if (c.encoding == feature_encoding::one_hot) {
        std::unordered_map<std::string_view, std::uint32_t> slot;
        for (std::uint32_t i = 0; i < c.vocabulary.size(); ++i) slot.emplace(c.vocabulary[i], i);
        auto oov = static_cast<std::uint32_t>(c.vocabulary.size());
        auto lookup = [&](std::string_view v) {
          auto it = slot.find(v);
          return it == slot.end() ? oov : it->second;
        };
        b.missing_slot = c.has_fill ? lookup(c.fill) : oov;
        if (col.kind() == column_kind::categorical) {
          auto& dict = col.dictionary();
          b.remap.resize(dict.size());
          for (std::size_t k = 0; k < dict.size(); ++k) b.remap[k] = lookup(dict[k]);
        } else {
          b.lookup.reserve(c.vocabulary.size());
          for (std::uint32_t i = 0; i < c.vocabulary.size(); ++i) b.lookup.emplace(c.vocabulary[i], i);
          b.oov = oov;
        }
      } else if (c.encoding == feature_encoding::hashed) {
        b.missing_slot = c.has_fill ? static_cast<std::uint32_t>(detail::hash_slot(c.fill, c.slots)) : npos;
        if (col.kind() == column_kind::categorical) {
          auto& dict = col.dictionary();
          b.remap.resize(dict.size());
          for (std::size_t k = 0; k < dict.size(); ++k)
            b.remap[k] = static_cast<std::uint32_t>(detail::hash_slot(dict[k], c.slots));
        }
      }
      b.fast = classify(c);
      cols_.push_back(std::move(b));
      if (c.encoding != feature_encoding::value) any_one_hot_ = true;
    }
    find_affine_features();
  }

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
  feature_block operator()(const table_view& block, std::span<double> out) const {
    const std::size_t n = block.rows(), W = width();
    if (&block.base() != t_)
      throw transform_error("bound_transform: the block is a view of another table; bind the transform to it first");
    if (out.size() < n * W)
      throw transform_error("transform: output buffer holds " + std::to_string(out.size()) + " values, the block needs " +
                            std::to_string(n * W));
    double* o = out.data();
    if (any_one_hot_) std::fill(o, o + n * W, 0.0);
    std::uint64_t bad = 0;
    // Numeric columns on a fast path (copy, impute, affine, impute + affine) go row tile by row tile: each
    // column writes its strided slots into a tile of the output that is still in L1. Per-column constants
    // are gathered once per block so the tile loop costs only the element work.
    simple_.clear();
    for (std::size_t j = 0; j < cols_.size(); ++j) {
      const column_transform& c = g_->columns[j];
      const bound& b = cols_[j];
      column_view cv = block.col(b.index);
      if (b.kind == column_kind::numeric && b.fast != fast_path::general) {
        simple_column sc{cv.values().data(), c.offset, b.fast, 0.0, 1.0, 0.0};
        if (b.fast == fast_path::impute || b.fast == fast_path::impute_affine) sc.fill = c.steps[0].a;
        if (b.fast == fast_path::affine) sc.a = c.steps[0].a, sc.k = c.steps[0].b;
        if (b.fast == fast_path::impute_affine) sc.a = c.steps[1].a, sc.k = c.steps[1].b;
        simple_.push_back(sc);
      } else if (b.kind == column_kind::numeric) {
        bad |= numeric(c, b, cv.values().data(), n, o + c.offset, W);
      } else {
        categorical(c, b, cv, 0, n, o + c.offset, W);
      }
    }
    const std::size_t tile = std::clamp<std::size_t>(256 / std::max<std::size_t>(W, 1), 8, 64);  // measured best
    for (std::size_t t0 = 0; t0 < n; t0 += tile) {
      const std::size_t t1 = std::min(n, t0 + tile);
      for (const simple_column& sc : simple_) {
        const double* src = sc.src;
        double* dst = o + sc.offset;
        const double f = sc.fill, a = sc.a, k = sc.k;
        switch (sc.fast) {
          case fast_path::copy:
            for (std::size_t r = t0; r < t1; ++r) {
              const double v = src[r];
              dst[r * W] = v;
            }
            break;
          case fast_path::affine:
            for (std::size_t r = t0; r < t1; ++r) {
              const double v = src[r] * a + k;
              dst[r * W] = v;
            }
            break;
          default:  // impute, impute + affine (a = 1, k = 0 for impute alone)
            for (std::size_t r = t0; r < t1; ++r) {
              const double v = (src[r] != src[r] ? f : src[r]) * a + k;
              dst[r * W] = v;
            }
            break;
        }
      }
    }
    // validate: one pass over the block while it is in cache (x * 0 is 0 for finite x, NaN otherwise)
    if (bad || detail::any_non_finite(o, n * W)) report_non_finite(block, out);  // returns only for kept NaNs
    return {o, n, W};
  }

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

  void find_affine_features() {
    affine_.clear();
    for (std::size_t j = 0; j < cols_.size(); ++j) {
      auto a = cols_[j].kind == column_kind::numeric ? g_->columns[j].as_affine() : std::nullopt;
      if (!a) {
        affine_.clear();
        return;
      }
      affine_.push_back(affine_feature{cols_[j].index, a->scale, a->shift});
    }
  }

  static fast_path classify(const column_transform& c) {
    if (c.encoding != feature_encoding::value) return fast_path::general;
    auto& s = c.steps;
    using K = numeric_step_kind;
    if (s.empty()) return fast_path::copy;
    if (s.size() == 1 && s[0].kind == K::affine) return fast_path::affine;
    if (s.size() == 1 && s[0].kind == K::impute) return fast_path::impute;
    if (s.size() == 2 && s[0].kind == K::impute && s[1].kind == K::affine) return fast_path::impute_affine;
    return fast_path::general;
  }

  // One column into the strided output; returns non-zero when some output is not finite.
  std::uint64_t numeric(const column_transform& c, const bound& b, const double* src, std::size_t n, double* dst,
                        std::size_t W) const {
    std::uint64_t bad = 0;
    switch (b.fast) {
      case fast_path::copy:
        for (std::size_t r = 0; r < n; ++r) {
          double v = src[r];
          bad |= detail::non_finite(v);
          dst[r * W] = v;
        }
        return bad;
      case fast_path::affine: {
        const double a = c.steps[0].a, k = c.steps[0].b;
        for (std::size_t r = 0; r < n; ++r) {
          double v = src[r] * a + k;
          bad |= detail::non_finite(v);
          dst[r * W] = v;
        }
        return bad;
      }
      case fast_path::impute: {
        const double f = c.steps[0].a;
        for (std::size_t r = 0; r < n; ++r) {
          double v = src[r] != src[r] ? f : src[r];
          bad |= detail::non_finite(v);
          dst[r * W] = v;
        }
        return bad;
      }
      case fast_path::impute_affine: {
        const double f = c.steps[0].a, a = c.steps[1].a, k = c.steps[1].b;
        for (std::size_t r = 0; r < n; ++r) {
          double v = (src[r] != src[r] ? f : src[r]) * a + k;
          bad |= detail::non_finite(v);
          dst[r * W] = v;
        }
        return bad;
      }
      case fast_path::general: break;
    }
    scratch_.assign(src, src + n);
    double* x = scratch_.data();
    for (auto& s : c.steps) detail::apply_step(s, x, n);
    if (c.encoding == feature_encoding::value) {
      for (std::size_t r = 0; r < n; ++r) {
        bad |= detail::non_finite(x[r]);
        dst[r * W] = x[r];
      }
    } else {  // bucket_one_hot
      for (std::size_t r = 0; r < n; ++r) {
        if (x[r] != x[r]) {
          bad = 1;
          continue;
        }
        // clamped before the conversion (out of range it is undefined); validate() guarantees slots >= 1
        const double top = static_cast<double>(c.slots - 1);
        auto slot = static_cast<std::size_t>(x[r] < 0.0 ? 0.0 : x[r] > top ? top : x[r]);
        dst[r * W + slot] = 1.0;
      }
    }
    return bad;
  }

  // Rows [t0, t1) of a categorical or string column; dst points at row t0's first slot of the column.
  void categorical(const column_transform& c, const bound& b, const column_view& cv, std::size_t t0, std::size_t t1,
                   double* dst, std::size_t W) const {
    const std::size_t n = t1 - t0;
    if (b.kind == column_kind::categorical) {
      const std::uint32_t* codes = cv.codes().data() + t0;
      for (std::size_t r = 0; r < n; ++r) {
        auto code = codes[r];
        auto slot = code == column::missing_code ? b.missing_slot : b.remap[code];
        if (slot != npos) dst[r * W + slot] = 1.0;
      }
      return;
    }
    // string column: look each value up (or hash it)
    for (std::size_t r = 0; r < n; ++r) {
      std::uint32_t slot;
      if (!cv.is_valid(t0 + r)) {
        slot = b.missing_slot;
      } else if (c.encoding == feature_encoding::hashed) {
        slot = static_cast<std::uint32_t>(detail::hash_slot(cv.str(t0 + r), c.slots));
      } else {
        auto it = b.lookup.find(std::string(cv.str(t0 + r)));
        slot = it == b.lookup.end() ? b.oov : it->second;
      }
      if (slot != npos) dst[r * W + slot] = 1.0;
    }
  }

  void report_non_finite(const table_view& block, std::span<const double> out) const {
    const std::size_t W = width();
    for (std::size_t r = 0; r < block.rows(); ++r)
      for (const auto& c : g_->columns) {
        if (c.input_kind != column_kind::numeric) continue;
        double v = c.encoding == feature_encoding::value ? out[r * W + c.offset]
                                                         : detail::apply_steps_one(c.steps, block.col(c.column).values()[r]);
        if (!detail::non_finite(v)) continue;
        double in = block.col(c.column).values()[r];
        if (g_->missing_as_nan && std::isnan(in) && std::isnan(v)) continue;  // a missing value kept as NaN
        std::string why = std::isnan(in) ? "the value is missing and the transform does not impute it (add impute_mean)"
                          : std::isinf(in) ? "the value is infinite"
                                           : "the value " + block.col(c.column).text(r) + " gives " +
                                                 (std::isnan(v) ? "NaN" : "an infinity") + " (e.g. log1p of a value below -1)";
        throw transform_error("row " + std::to_string(block.offset() + r) + ", column '" + c.column +
                              "': feature is not finite: " + why);
      }
    if (!g_->missing_as_nan) throw transform_error("transform: a feature is not finite");
  }

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

inline bound_transform transform_graph::bind(const table& t) const { return bound_transform(*this, t); }

inline void transform_graph::transform(const table_view& block, std::span<double> out) const {
  bound_transform(*this, block.base())(block, out);
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/transform_graph.ipp>
#endif
