// mlpipe/transform/impl/ops.ipp: bodies of transform/ops.hpp's non-template functions (fitting each op, its JSON):
// compiled once into libmlpipe by src/transform.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/ops.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/transform/detail/lanes.hpp>

namespace mlpipe {

MLPIPE_DECL std::span<const double> detail::fit_column::values() {
  if (plan.steps.empty()) return col->values();
  if (applied_ == 0) values_.assign(col->values().begin(), col->values().end());
  for (; applied_ < plan.steps.size(); ++applied_) apply_step(plan.steps[applied_], values_.data(), values_.size());
  return values_;
}

MLPIPE_DECL std::vector<double> detail::fit_column::present() {
  std::vector<double> v;
  auto x = values();
  v.reserve(x.size());
  for (double e : x)
    if (!std::isnan(e)) v.push_back(e);
  return v;
}

MLPIPE_DECL std::vector<double> detail::fit_column::present_sorted() {
  auto v = present();
  std::sort(v.begin(), v.end());
  return v;
}

MLPIPE_DECL std::map<std::string, std::size_t> detail::category_counts(const column& c) {
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

MLPIPE_DECL void impute_op::fit(detail::fit_column& f) const {
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

MLPIPE_DECL nlohmann::json impute_op::to_json() const {
  static constexpr const char* names[] = {"mean", "median", "most_frequent", "constant"};
  auto j = base_json();
  j["strategy"] = names[static_cast<int>(strategy)];
  if (strategy == impute_strategy::constant) j["value"] = value;
  return j;
}

MLPIPE_DECL void impute_op::from_json(const nlohmann::json& j) {
  base_from_json(j);
  auto s = j.value("strategy", "mean");
  if (s == "mean") strategy = impute_strategy::mean;
  else if (s == "median") strategy = impute_strategy::median;
  else if (s == "most_frequent") strategy = impute_strategy::most_frequent;
  else if (s == "constant") strategy = impute_strategy::constant;
  else throw transform_error("impute: unknown strategy '" + s + "' (mean, median, most_frequent, constant)");
  value = j.value("value", 0.0);
}

MLPIPE_DECL void standardize_op::fit(detail::fit_column& f) const {
  if (!f.numeric() || f.encoded) return;
  auto v = f.values();
  const auto mo = detail::present_moments(v.data(), v.size());
  const double mean = mo.mean, sd = mo.count > 0 ? std::sqrt(mo.m2 / mo.count) : 0.0;
  double scale = sd > 0 ? 1.0 / sd : 1.0;
  f.add({numeric_step_kind::affine, scale, -mean * scale, {}});
}

MLPIPE_DECL nlohmann::json standardize_op::to_json() const { return base_json(); }

MLPIPE_DECL void standardize_op::from_json(const nlohmann::json& j) { base_from_json(j); }

MLPIPE_DECL void min_max_op::fit(detail::fit_column& f) const {
  if (!f.numeric() || f.encoded) return;
  double lo = std::numeric_limits<double>::infinity(), hi = -lo;
  for (double x : f.values())
    if (!std::isnan(x)) lo = std::min(lo, x), hi = std::max(hi, x);
  if (lo > hi) lo = hi = 0;
  double scale = hi > lo ? 1.0 / (hi - lo) : 1.0;
  f.add({numeric_step_kind::affine, scale, -lo * scale, {}});
}

MLPIPE_DECL nlohmann::json min_max_op::to_json() const { return base_json(); }

MLPIPE_DECL void min_max_op::from_json(const nlohmann::json& j) { base_from_json(j); }

MLPIPE_DECL void log1p_op::fit(detail::fit_column& f) const {
  if (!f.numeric() || f.encoded) return;
  f.add({numeric_step_kind::log1p, 0.0, 0.0, {}});
}

MLPIPE_DECL nlohmann::json log1p_op::to_json() const { return base_json(); }

MLPIPE_DECL void log1p_op::from_json(const nlohmann::json& j) { base_from_json(j); }

MLPIPE_DECL clip_op clip_op::operator()(double low, double high) const {
  if (!(low <= high)) throw transform_error("clip(" + std::to_string(low) + ", " + std::to_string(high) + "): lo > hi");
  clip_op o = *this;
  o.lo = low, o.hi = high;
  return o;
}

MLPIPE_DECL void clip_op::fit(detail::fit_column& f) const {
  if (!f.numeric() || f.encoded) return;
  f.add({numeric_step_kind::clip, lo, hi, {}});
}

MLPIPE_DECL nlohmann::json clip_op::to_json() const {
  auto j = base_json();
  j["lo"] = lo, j["hi"] = hi;  // +-inf print as null; from_json maps null back
  return j;
}

MLPIPE_DECL void clip_op::from_json(const nlohmann::json& j) {
  base_from_json(j);
  lo = j.contains("lo") && j["lo"].is_number() ? j["lo"].get<double>() : -std::numeric_limits<double>::infinity();
  hi = j.contains("hi") && j["hi"].is_number() ? j["hi"].get<double>() : std::numeric_limits<double>::infinity();
}

MLPIPE_DECL bucketize_op bucketize_op::operator()(std::size_t n) const {
  if (n < 2) throw transform_error("bucketize(" + std::to_string(n) + "): at least 2 buckets");
  bucketize_op o = *this;
  o.buckets = n;
  return o;
}

MLPIPE_DECL void bucketize_op::fit(detail::fit_column& f) const {
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

MLPIPE_DECL nlohmann::json bucketize_op::to_json() const {
  auto j = base_json();
  j["buckets"] = buckets;
  return j;
}

MLPIPE_DECL void bucketize_op::from_json(const nlohmann::json& j) {
  base_from_json(j);
  buckets = j.value("buckets", std::size_t{10});
}

MLPIPE_DECL void one_hot_op::fit(detail::fit_column& f) const {
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

MLPIPE_DECL nlohmann::json one_hot_op::to_json() const {
  auto j = base_json();
  if (max_vocabulary) j["max_vocabulary"] = max_vocabulary;
  return j;
}

MLPIPE_DECL void one_hot_op::from_json(const nlohmann::json& j) {
  base_from_json(j);
  max_vocabulary = j.value("max_vocabulary", std::size_t{0});
}

MLPIPE_DECL feature_hash_op feature_hash_op::operator()(std::size_t n, std::size_t min_distinct_values) const {
  if (n == 0) throw transform_error("feature_hash(0): at least one slot");
  feature_hash_op o = *this;
  o.slots = n, o.min_distinct = min_distinct_values;
  return o;
}

MLPIPE_DECL bool feature_hash_op::claims(const detail::fit_column& f) const {
  if (f.numeric() || f.encoded || !selects(f.col->name())) return false;
  if (f.plan.input_kind == column_kind::string) return true;
  return detail::category_counts(*f.col).size() >= min_distinct;
}

MLPIPE_DECL void feature_hash_op::fit(detail::fit_column& f) const {
  if (!claims(f)) return;
  f.plan.encoding = feature_encoding::hashed;
  f.plan.slots = slots;
  f.encoded = true;
}

MLPIPE_DECL nlohmann::json feature_hash_op::to_json() const {
  auto j = base_json();
  j["slots"] = slots, j["min_distinct"] = min_distinct;
  return j;
}

MLPIPE_DECL void feature_hash_op::from_json(const nlohmann::json& j) {
  base_from_json(j);
  slots = j.value("slots", std::size_t{1024});
  min_distinct = j.value("min_distinct", std::size_t{0});
}

MLPIPE_DECL default_transform_ops default_ops() {
  return impute_mean | impute_most_frequent | standardize | one_hot;
}

}  // namespace mlpipe
