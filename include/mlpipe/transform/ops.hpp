// mlpipe/transform/ops.hpp: the preprocessing ops (impute, standardize, min_max, log1p, clip, bucketize, one_hot,
// feature_hash) and their compile-time composition with `|`, e.g. `impute_mean | standardize | one_hot`.
#pragma once

#include <algorithm>
#include <cmath>
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

#include <mlpipe/data/table.hpp>
#include <mlpipe/transform/detail/lanes.hpp>
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
  std::span<const double> values() {
    if (plan.steps.empty()) return col->values();
    if (applied_ == 0) values_.assign(col->values().begin(), col->values().end());
    for (; applied_ < plan.steps.size(); ++applied_) apply_step(plan.steps[applied_], values_.data(), values_.size());
    return values_;
  }
  /// The present (non-missing) values, in row order.
  std::vector<double> present() {
    std::vector<double> v;
    auto x = values();
    v.reserve(x.size());
    for (double e : x)
      if (!std::isnan(e)) v.push_back(e);
    return v;
  }
  std::vector<double> present_sorted() {
    auto v = present();
    std::sort(v.begin(), v.end());
    return v;
  }

 private:
  std::vector<double> values_;
  std::size_t applied_ = 0;  // plan.steps[0, applied_) are applied to values_
};

/// Counts of each present category of a categorical or string column (ordered by value).
inline std::map<std::string, std::size_t> category_counts(const column& c) {
  std::map<std::string, std::size_t> counts;
  if (c.kind() == column_kind::categorical) {
    std::vector<std::size_t> by_code(c.dictionary().size(), 0);
    for (auto code : c.codes())
      if (code != column::missing_code) ++by_code[code];
    for (std::size_t k = 0; k < by_code.size(); ++k)
      if (by_code[k] > 0) counts[c.dictionary()[k]] += by_code[k];
  } else {
    for (std::size_t r = 0; r < c.size(); ++r)
      if (c.is_valid(r)) ++counts[std::string(c.str(r))];
  }
  return counts;
}

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
      throw transform_error("transform op JSON " + j.dump() + " is not a '" + std::string(Derived::op_name) + "' op");
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

  void fit(detail::fit_column& f) const {
    if (f.encoded) return;
    if (!f.numeric()) {
      if (strategy != impute_strategy::most_frequent || f.plan.has_fill) return;
      auto counts = detail::category_counts(*f.col);
      std::size_t best = 0;
      for (auto& [v, n] : counts)
        if (n > best) best = n, f.plan.fill = v;  // ties: the smallest value, as scikit-learn
      f.plan.has_fill = best > 0;
      return;
    }
    // After an imputation that fills with a number no value is missing, at fit or at transform time: this one
    // would never fill anything (default_ops' most_frequent after mean), so it adds no step and costs no
    // sort of the column (it was most of `mlpipe train`'s time).
    for (const auto& s : f.plan.steps)
      if (s.kind == numeric_step_kind::impute && s.a == s.a) return;
    double fill = 0.0;
    switch (strategy) {
      case impute_strategy::mean: {  // one pass over the column: no copy, no sort
        double s = 0;
        std::size_t n = 0;
        for (double x : f.values())
          if (!std::isnan(x)) s += x, ++n;
        fill = n == 0 ? 0.0 : s / static_cast<double>(n);
        break;
      }
      case impute_strategy::median: {  // selection, not a full sort
        auto v = f.present();
        if (v.empty()) break;
        auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
        std::nth_element(v.begin(), mid, v.end());
        fill = *mid;
        if (v.size() % 2 == 0) fill = 0.5 * (*std::max_element(v.begin(), mid) + fill);
        break;
      }
      case impute_strategy::most_frequent: {
        auto v = f.present();
        std::sort(v.begin(), v.end());
        std::size_t best = 0;
        for (std::size_t i = 0; i < v.size();) {
          std::size_t j = i;
          while (j < v.size() && v[j] == v[i]) ++j;
          if (j - i > best) best = j - i, fill = v[i];
          i = j;
        }
        break;
      }
      case impute_strategy::constant: fill = value; break;
    }
    f.add({numeric_step_kind::impute, fill, 0.0, {}});
  }

  nlohmann::json to_json() const {
    static constexpr const char* names[] = {"mean", "median", "most_frequent", "constant"};
    auto j = base_json();
    j["strategy"] = names[static_cast<int>(strategy)];
    if (strategy == impute_strategy::constant) j["value"] = value;
    return j;
  }
  void from_json(const nlohmann::json& j) {
    base_from_json(j);
    auto s = j.value("strategy", "mean");
    if (s == "mean") strategy = impute_strategy::mean;
    else if (s == "median") strategy = impute_strategy::median;
    else if (s == "most_frequent") strategy = impute_strategy::most_frequent;
    else if (s == "constant") strategy = impute_strategy::constant;
    else throw transform_error("impute: unknown strategy '" + s + "' (mean, median, most_frequent, constant)");
    value = j.value("value", 0.0);
  }
};

/// (x - mean) / standard deviation of the train split (population deviation, as scikit-learn's StandardScaler;
/// a constant column is only centered).
struct standardize_op : detail::op_base<standardize_op> {
  static constexpr std::string_view op_name = "standardize";
  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded) return;
    auto v = f.values();
    const auto mo = detail::present_moments(v.data(), v.size());
    const double mean = mo.mean, sd = mo.count > 0 ? std::sqrt(mo.m2 / mo.count) : 0.0;
    double scale = sd > 0 ? 1.0 / sd : 1.0;
    f.add({numeric_step_kind::affine, scale, -mean * scale, {}});
  }
  nlohmann::json to_json() const { return base_json(); }
  void from_json(const nlohmann::json& j) { base_from_json(j); }
};

/// (x - min) / (max - min) of the train split, into [0, 1] (a constant column becomes 0).
struct min_max_op : detail::op_base<min_max_op> {
  static constexpr std::string_view op_name = "min_max";
  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded) return;
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double x : f.values())
      if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x);
    if (lo > hi) lo = hi = 0;
    double scale = hi > lo ? 1.0 / (hi - lo) : 1.0;
    f.add({numeric_step_kind::affine, scale, -lo * scale, {}});
  }
  nlohmann::json to_json() const { return base_json(); }
  void from_json(const nlohmann::json& j) { base_from_json(j); }
};

/// log(1 + x), for counts and other skewed non-negative values.
struct log1p_op : detail::op_base<log1p_op> {
  static constexpr std::string_view op_name = "log1p";
  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded) return;
    f.add({numeric_step_kind::log1p, 0.0, 0.0, {}});
  }
  nlohmann::json to_json() const { return base_json(); }
  void from_json(const nlohmann::json& j) { base_from_json(j); }
};

/// Clamps values to [lo, hi]: `clip(-3, 3)`.
struct clip_op : detail::op_base<clip_op> {
  static constexpr std::string_view op_name = "clip";
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
  clip_op operator()(double low, double high) const {
    if (!(low <= high)) throw transform_error("clip(" + std::to_string(low) + ", " + std::to_string(high) + "): lo > hi");
    clip_op o = *this;
    o.lo = low, o.hi = high;
    return o;
  }
  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded) return;
    f.add({numeric_step_kind::clip, lo, hi, {}});
  }
  nlohmann::json to_json() const {
    auto j = base_json();
    j["lo"] = lo, j["hi"] = hi;  // +-inf print as null; from_json maps null back
    return j;
  }
  void from_json(const nlohmann::json& j) {
    base_from_json(j);
    lo = j.contains("lo") && j["lo"].is_number() ? j["lo"].get<double>() : -std::numeric_limits<double>::infinity();
    hi = j.contains("hi") && j["hi"].is_number() ? j["hi"].get<double>() : std::numeric_limits<double>::infinity();
  }
};

/// Replaces a value by its bucket among `buckets` quantile buckets of the train split: `bucketize(10)`.
/// Followed by one_hot, the bucket becomes a one-hot group; otherwise the bucket index is the feature.
struct bucketize_op : detail::op_base<bucketize_op> {
  static constexpr std::string_view op_name = "bucketize";
  std::size_t buckets = 10;
  bucketize_op operator()(std::size_t n) const {
    if (n < 2) throw transform_error("bucketize(" + std::to_string(n) + "): at least 2 buckets");
    bucketize_op o = *this;
    o.buckets = n;
    return o;
  }
  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded || f.bucketized) return;
    auto v = f.present_sorted();
    std::vector<double> bounds;
    for (std::size_t i = 1; i < buckets && !v.empty(); ++i) {
      // linear interpolation between order statistics (numpy's default quantile)
      double pos = static_cast<double>(i) / static_cast<double>(buckets) * static_cast<double>(v.size() - 1);
      auto k = static_cast<std::size_t>(pos);
      double q = k + 1 < v.size() ? v[k] + (pos - static_cast<double>(k)) * (v[k + 1] - v[k]) : v[k];
      if (bounds.empty() || q > bounds.back()) bounds.push_back(q);
    }
    numeric_step s{numeric_step_kind::bucketize, 0.0, 0.0, std::move(bounds)};
    f.plan.slots = s.boundaries.size() + 1;
    f.add(std::move(s));
    f.bucketized = true;
  }
  nlohmann::json to_json() const {
    auto j = base_json();
    j["buckets"] = buckets;
    return j;
  }
  void from_json(const nlohmann::json& j) {
    base_from_json(j);
    buckets = j.value("buckets", std::size_t{10});
  }
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
  void fit(detail::fit_column& f) const {
    if (f.encoded) return;
    if (f.numeric()) {
      if (!f.bucketized) return;
      f.plan.encoding = feature_encoding::bucket_one_hot;
      f.encoded = true;
      return;
    }
    auto counts = detail::category_counts(*f.col);
    std::vector<std::pair<std::string, std::size_t>> vocab;
    if (f.domain) {  // the schema's domain: every allowed value has a slot, seen in train or not
      for (auto& v : *f.domain) {
        auto it = counts.find(v);
        vocab.emplace_back(v, it == counts.end() ? 0 : it->second);
      }
      std::sort(vocab.begin(), vocab.end());
      vocab.erase(std::unique(vocab.begin(), vocab.end(), [](auto& a, auto& b) { return a.first == b.first; }),
                  vocab.end());
    } else {
      vocab.assign(counts.begin(), counts.end());
    }
    if (max_vocabulary > 0 && vocab.size() > max_vocabulary) {
      std::stable_sort(vocab.begin(), vocab.end(), [](auto& a, auto& b) { return a.second > b.second; });
      vocab.resize(max_vocabulary);
      std::sort(vocab.begin(), vocab.end());
    }
    f.plan.encoding = feature_encoding::one_hot;
    for (auto& [v, n] : vocab) f.plan.vocabulary.push_back(v);
    f.encoded = true;
  }
  nlohmann::json to_json() const {
    auto j = base_json();
    if (max_vocabulary) j["max_vocabulary"] = max_vocabulary;
    return j;
  }
  void from_json(const nlohmann::json& j) {
    base_from_json(j);
    max_vocabulary = j.value("max_vocabulary", std::size_t{0});
  }
};

/// Feature hashing for wide categoricals: a category becomes one of `slots` features by a stable hash.
/// Applies to string columns and to categorical columns with at least `min_distinct` distinct values in the
/// train split (narrower ones stay one-hot): `feature_hash(1024, 100)`.
struct feature_hash_op : detail::op_base<feature_hash_op> {
  static constexpr std::string_view op_name = "feature_hash";
  std::size_t slots = 1024;
  std::size_t min_distinct = 0;
  feature_hash_op operator()(std::size_t n, std::size_t min_distinct_values = 0) const {
    if (n == 0) throw transform_error("feature_hash(0): at least one slot");
    feature_hash_op o = *this;
    o.slots = n, o.min_distinct = min_distinct_values;
    return o;
  }
  /// Whether this op hashes the column (decided before the other ops run, so op order does not matter).
  bool claims(const detail::fit_column& f) const {
    if (f.numeric() || f.encoded || !selects(f.col->name())) return false;
    if (f.plan.input_kind == column_kind::string) return true;
    return detail::category_counts(*f.col).size() >= min_distinct;
  }
  void fit(detail::fit_column& f) const {
    if (!claims(f)) return;
    f.plan.encoding = feature_encoding::hashed;
    f.plan.slots = slots;
    f.encoded = true;
  }
  nlohmann::json to_json() const {
    auto j = base_json();
    j["slots"] = slots, j["min_distinct"] = min_distinct;
    return j;
  }
  void from_json(const nlohmann::json& j) {
    base_from_json(j);
    slots = j.value("slots", std::size_t{1024});
    min_distinct = j.value("min_distinct", std::size_t{0});
  }
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

  friend void to_json(nlohmann::json& j, const transform_ops& t) {
    j = nlohmann::json::array();
    t.for_each([&](const auto& op) { j.push_back(op.to_json()); });
  }
  friend void from_json(const nlohmann::json& j, transform_ops& t) {
    if (!j.is_array() || j.size() != sizeof...(Ops))
      throw transform_error("transform ops: expected a list of " + std::to_string(sizeof...(Ops)) + " ops, got " +
                            j.dump());
    std::size_t i = 0;
    std::apply([&](auto&... op) { (op.from_json(j[i++]), ...); }, t.ops);
  }
};

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
inline default_transform_ops default_ops() { return impute_mean | impute_most_frequent | standardize | one_hot; }

}  // namespace mlpipe
