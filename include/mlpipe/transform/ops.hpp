// mlpipe/transform/ops.hpp: the preprocessing ops (impute, standardize, min_max, log1p, clip, bucketize, one_hot,
// feature_hash) and their compile-time composition with `|`, e.g. `impute_mean | standardize | one_hot`.
#pragma once

#include <algorithm>
#include <cstddef>
#include <limits>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/json_text.hpp>
#include <mlpipe/core/json_value.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

namespace detail {

/// A feature column while it is being fitted: the train split's values after the steps fitted so far.
struct fit_column {
  const column* col = nullptr;
  column_transform plan;
  bool bucketized = false;     // numeric: values are bucket indices now
  bool encoded = false;        // the encoding is decided; later ops leave the column alone
  const std::vector<std::string>* domain = nullptr;  // categories the schema allows (one_hot's vocabulary)

  bool numeric() const noexcept { return plan.input_kind == column_kind::numeric; }
  void add(numeric_step s) { plan.steps.push_back(std::move(s)); }
  /// Numeric: the train rows' values after the steps fitted so far (NaN = missing). The column itself until a
  /// step is added; a copy with the steps applied is made only when an op reads values after a step.
  std::span<const double> values();
  /// The present (non-missing) values, in row order.
  std::vector<double> present();
  std::vector<double> present_sorted();

 private:
  std::vector<double> values_;
  std::size_t applied_ = 0;  // plan.steps[0, applied_) are applied to values_
};

/// Counts of each present category of a categorical or string column (ordered by value).
MLPIPE_DECL std::map<std::string, std::size_t> category_counts(const column& c);

template <class T>
auto as_ops(const T& x);
template <class A, class B>
auto compose_ops(const A& a, const B& b);

/// Tag base of every op and composition: carries `|` as a hidden friend, so it never attaches to other types.
/// `a | b`: a then b, on every column both handle; either side may be an op or a composition.
struct op_tag {
  template <class A, class B>
    requires(std::is_base_of_v<op_tag, A> && std::is_base_of_v<op_tag, B>)
  friend auto operator|(const A& a, const B& b) {
    return compose_ops(a, b);
  }
};

template <class T>
concept op_or_ops = std::is_base_of_v<op_tag, std::remove_cvref_t<T>>;

/// Options an op shares: the columns it applies to (empty: every column of a kind it handles).
template <class Derived>
struct op_base : op_tag {
  std::vector<std::string> columns;

  /// A copy of the op restricted to the named columns: `standardize.on({"age", "income"})`.
  Derived on(std::vector<std::string> names) const {
    Derived d = static_cast<const Derived&>(*this);
    d.columns = std::move(names);
    return d;
  }
  bool selects(const std::string& name) const {
    return columns.empty() || std::find(columns.begin(), columns.end(), name) != columns.end();
  }
  nlohmann::json base_json() const {
    nlohmann::json j{{"op", std::string(Derived::op_name)}};
    if (!columns.empty()) j["columns"] = columns;
    return j;
  }
  void base_from_json(const nlohmann::json& j) {
    if (j.value("op", "") != Derived::op_name)
      throw transform_error("transform op JSON " + detail::json_dump(j) + " is not a '" + std::string(Derived::op_name) + "' op");
    columns = j.value("columns", std::vector<std::string>{});
  }
};

}  // namespace detail

/// How impute fills missing numeric values (most_frequent also fills categorical columns).
enum class impute_strategy : std::uint8_t { mean, median, most_frequent, constant };

/// Fills missing values with a statistic of the train split (or a constant).
struct impute_op : detail::op_base<impute_op> {
  static constexpr std::string_view op_name = "impute";
  impute_strategy strategy = impute_strategy::mean;
  double value = 0.0;  // constant only

  /// impute_constant(v): a copy that fills with v.
  impute_op operator()(double v) const {
    impute_op o = *this;
    o.value = v;
    return o;
  }

  void fit(detail::fit_column& f) const;

  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// (x - mean) / standard deviation of the train split (population deviation, as scikit-learn's StandardScaler;
/// a constant column is only centered).
struct standardize_op : detail::op_base<standardize_op> {
  static constexpr std::string_view op_name = "standardize";
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// (x - min) / (max - min) of the train split, into [0, 1] (a constant column becomes 0).
struct min_max_op : detail::op_base<min_max_op> {
  static constexpr std::string_view op_name = "min_max";
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// log(1 + x), for counts and other skewed non-negative values.
struct log1p_op : detail::op_base<log1p_op> {
  static constexpr std::string_view op_name = "log1p";
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// Clamps values to [lo, hi]: `clip(-3, 3)`.
struct clip_op : detail::op_base<clip_op> {
  static constexpr std::string_view op_name = "clip";
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  clip_op operator()(double low, double high) const;
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// Replaces a value by its bucket among `buckets` quantile buckets of the train split: `bucketize(10)`.
/// Followed by one_hot, the bucket becomes a one-hot group; otherwise the bucket index is the feature.
struct bucketize_op : detail::op_base<bucketize_op> {
  static constexpr std::string_view op_name = "bucketize";
  std::size_t buckets = 10;
  bucketize_op operator()(std::size_t n) const;
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// One feature per category seen in the train split (or, fitted with a schema, per value of the column's
/// domain), plus an out-of-vocabulary slot that catches every other value (and missing values unless imputed):
/// new values at serving never crash. Bucketized numerics become a
/// one-hot group of their buckets. `max_vocabulary` (0 = no limit) keeps the most frequent categories.
struct one_hot_op : detail::op_base<one_hot_op> {
  static constexpr std::string_view op_name = "one_hot";
  std::size_t max_vocabulary = 0;
  one_hot_op operator()(std::size_t max_vocab) const {
    one_hot_op o = *this;
    o.max_vocabulary = max_vocab;
    return o;
  }
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// Feature hashing for wide categoricals: a category becomes one of `slots` features by a stable hash.
/// Applies to string columns and to categorical columns with at least `min_distinct` distinct values in the
/// train split (narrower ones stay one-hot): `feature_hash(1024, 100)`.
struct feature_hash_op : detail::op_base<feature_hash_op> {
  static constexpr std::string_view op_name = "feature_hash";
  std::size_t slots = 1024;
  std::size_t min_distinct = 0;
  feature_hash_op operator()(std::size_t n, std::size_t min_distinct_values = 0) const;
  /// Whether this op hashes the column (decided before the other ops run, so op order does not matter).
  bool claims(const detail::fit_column& f) const;
  void fit(detail::fit_column& f) const;
  nlohmann::json to_json() const;
  void from_json(const nlohmann::json& j);
};

/// A transform op: what `|` composes.
template <class T>
concept transform_op = std::is_base_of_v<detail::op_tag, T> && requires(const T& op, detail::fit_column& f) {
  { T::op_name } -> std::convertible_to<std::string_view>;
  op.fit(f);
  { op.to_json() } -> std::same_as<nlohmann::json>;
};

/// A compile-time composition of ops, applied left to right to each column they handle. A struct of ops:
/// fitting walks it with a fold, with no virtual call.
template <transform_op... Ops>
struct transform_ops : detail::op_tag {
  std::tuple<Ops...> ops;

  static constexpr std::size_t size() noexcept { return sizeof...(Ops); }

  template <class F>
  void for_each(F&& f) const {
    std::apply([&](const auto&... op) { (f(op), ...); }, ops);
  }

  // Through core/json_value.hpp's compiled functions: a program instantiates no nlohmann code for its ops.
  friend void to_json(nlohmann::json& j, const transform_ops& t) {
    detail::json_set_empty_array(j);
    t.for_each([&](const auto& op) { detail::json_append(j) = op.to_json(); });
  }
  friend void from_json(const nlohmann::json& j, transform_ops& t) {
    if (detail::json_type_of(j) != detail::json_type::array || detail::json_size(j) != sizeof...(Ops))
      throw transform_error("transform ops: expected a list of " + std::to_string(sizeof...(Ops)) + " ops, got " +
                            detail::json_dump(j));
    std::size_t i = 0;
    std::apply([&](auto&... op) { (op.from_json(detail::json_element(j, i++)), ...); }, t.ops);
  }
};

/// The ops as a stage parameter (fit_transform's ops), converted by the functions above without nlohmann's
/// generic conversion traits (core/parameters.hpp's json_hooked).
template <class... Ops>
void write_json_value(nlohmann::json& j, const transform_ops<Ops...>& t) {
  to_json(j, t);
}
template <class... Ops>
void read_json_value(const nlohmann::json& j, transform_ops<Ops...>& t, const std::string& where) {
  transform_ops<Ops...> read = t;  // t stays as it was when the JSON is wrong
  try {
    from_json(j, read);
  } catch (const nlohmann::json::exception& e) {
    throw parameter_error(where + ": " + e.what());
  }
  t = std::move(read);
}

namespace detail {
template <class T>
struct is_transform_ops : std::false_type {};
template <class... Ops>
struct is_transform_ops<transform_ops<Ops...>> : std::true_type {};

template <class T>
auto as_ops(const T& x) {
  if constexpr (is_transform_ops<T>::value)
    return x;
  else
    return transform_ops<T>{{}, std::tuple<T>{x}};
}
template <class... A, class... B>
auto concat_ops(const transform_ops<A...>& a, const transform_ops<B...>& b) {
  return transform_ops<A..., B...>{{}, std::tuple_cat(a.ops, b.ops)};
}
template <class A, class B>
auto compose_ops(const A& a, const B& b) {
  return concat_ops(as_ops(a), as_ops(b));
}
}  // namespace detail


/// A single op as a composition (fit_transform takes compositions).
template <transform_op Op>
transform_ops<Op> make_ops(const Op& op) {
  return {{}, std::tuple<Op>{op}};
}

// The ops, ready to compose. Parameterized ones are called: clip(-3, 3), bucketize(8), feature_hash(1024, 100),
// impute_constant(0.0), one_hot(50) (at most 50 categories, the rest go to the out-of-vocabulary slot).
inline const impute_op impute_mean{};
inline const impute_op impute_median = [] { impute_op o; o.strategy = impute_strategy::median; return o; }();
inline const impute_op impute_most_frequent = [] {
  impute_op o;
  o.strategy = impute_strategy::most_frequent;
  return o;
}();
inline const impute_op impute_constant = [] { impute_op o; o.strategy = impute_strategy::constant; return o; }();
inline const standardize_op standardize{};
inline const min_max_op min_max{};
inline const log1p_op log1p{};
inline const clip_op clip{};
inline const bucketize_op bucketize{};
inline const one_hot_op one_hot{};
inline const feature_hash_op feature_hash{};

/// The default preprocessing: numeric columns imputed with the mean and standardized, categoricals one-hot.
using default_transform_ops = transform_ops<impute_op, impute_op, standardize_op, one_hot_op>;
MLPIPE_DECL default_transform_ops default_ops();

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/ops.ipp>
#endif
