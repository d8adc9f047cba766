// mlpipe/validate/impl/column_statistics.ipp: bodies of validate/column_statistics.hpp's non-template functions (compiled once into libmlpipe by
// src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/column_statistics.hpp>

namespace mlpipe {

MLPIPE_DECL double detail::weighted_quantile(const std::vector<std::pair<double, std::uint64_t>>& items, double q) {
  if (items.empty()) return std::numeric_limits<double>::quiet_NaN();
  std::uint64_t n = 0;
  for (auto& it : items) n += it.second;
  double pos = q * static_cast<double>(n - 1);
  auto lo = static_cast<std::uint64_t>(std::floor(pos));
  double frac = pos - static_cast<double>(lo);
  auto at = [&](std::uint64_t r) {
    std::uint64_t c = 0;
    for (auto& it : items)
      if ((c += it.second) > r) return it.first;
    return items.back().first;
  };
  double a = at(lo), b = frac > 0 ? at(lo + 1) : a;
  return a + (b - a) * frac;
}

MLPIPE_DECL nlohmann::json column_statistics::to_json(const statistics_options& opt) const {
  auto num = [](double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr); };
  nlohmann::json j{{"name", name_}, {"type", to_string(kind_)}, {"rows", rows_}, {"present", present()},
                   {"missing", missing_}};
  if (kind_ == column_kind::numeric) {
    j["nan"] = nan_;
    j["inf"] = inf_;
    j["zeros"] = zeros_;
    j["mean"] = num(mean());
    j["std_dev"] = num(std_dev());
    j["min"] = num(min());
    j["max"] = num(max());
    j["median"] = num(median());
    j["mad"] = num(mad());
    nlohmann::json qs = nlohmann::json::array();
    auto vals = sketch_.quantiles(opt.quantiles);
    for (std::size_t i = 0; i < vals.size(); ++i) qs.push_back({opt.quantiles[i], num(vals[i])});
    j["quantiles"] = qs;
    j["quantile_rank_error"] = sketch_.rank_error();
    j["histogram"] = equal_width_histogram(opt.histogram_buckets);
    j["quantile_histogram"] = quantile_histogram(opt.histogram_buckets);
    j["state"] = {{"m2", moments_.m2}, {"mean", moments_.mean}, {"count", moments_.count}, {"sketch", sketch_}};
  } else {
    j["distinct"] = distinct();
    j["average_length"] = average_length();
    j["top_values"] = top(opt.top_k);
    j["state"] = values_.to_json(opt.kept_values);
  }
  return j;
}

MLPIPE_DECL column_statistics column_statistics::from_json(const nlohmann::json& j) {
  column_statistics s;
  s.name_ = j.at("name").get<std::string>();
  auto t = j.at("type").get<std::string>();
  if (t == "numeric") s.kind_ = column_kind::numeric;
  else if (t == "categorical") s.kind_ = column_kind::categorical;
  else if (t == "string") s.kind_ = column_kind::string;
  else throw std::runtime_error("column '" + s.name_ + "': unknown type '" + t + "'");
  s.rows_ = j.at("rows").get<std::uint64_t>();
  s.missing_ = j.at("missing").get<std::uint64_t>();
  const auto& st = j.at("state");
  if (s.kind_ == column_kind::numeric) {
    s.nan_ = j.at("nan").get<std::uint64_t>();
    s.inf_ = j.at("inf").get<std::uint64_t>();
    s.zeros_ = j.at("zeros").get<std::uint64_t>();
    s.moments_.count = st.at("count").get<std::uint64_t>();
    s.moments_.mean = st.at("mean").get<double>();
    s.moments_.m2 = st.at("m2").get<double>();
    s.sketch_ = st.at("sketch").get<quantile_sketch>();
  } else {
    s.values_ = value_counter::from_json(st);
  }
  return s;
}

MLPIPE_DECL void column_statistics::merge(const column_statistics& o) {
  if (o.kind_ != kind_)
    throw std::invalid_argument("cannot merge statistics of column '" + name_ + "': kinds " +
                                std::string(to_string(kind_)) + " and " + std::string(to_string(o.kind_)));
  rows_ += o.rows_;
  missing_ += o.missing_;
  nan_ += o.nan_;
  inf_ += o.inf_;
  zeros_ += o.zeros_;
  moments_.merge(o.moments_);
  sketch_.merge(o.sketch_);
  values_.merge(o.values_);
}

MLPIPE_DECL double column_statistics::mad() const {
  if (sketch_.empty()) return std::numeric_limits<double>::quiet_NaN();
  double m = median();
  auto items = sketch_.weighted_items();
  for (auto& it : items) it.first = std::abs(it.first - m);
  std::sort(items.begin(), items.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return detail::weighted_quantile(items, 0.5);
}

MLPIPE_DECL double column_statistics::outlier_share(double cut) const {
  if (sketch_.empty()) return 0.0;
  double m = median(), s = 1.4826 * mad();
  if (!(s > 0)) return 0.0;
  std::uint64_t w = 0;
  for (auto& it : sketch_.weighted_items()) {
    if (std::abs(it.first - m) > cut * s) w += it.second;
  }
  return static_cast<double>(w) / static_cast<double>(sketch_.count());
}

MLPIPE_DECL double column_statistics::count_outside(double lo, double hi) const {
  std::uint64_t w = 0;
  for (auto& it : sketch_.weighted_items())
    if (it.first < lo || it.first > hi) w += it.second;
  return static_cast<double>(w);
}

}  // namespace mlpipe
