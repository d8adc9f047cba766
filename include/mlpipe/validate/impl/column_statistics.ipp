// mlpipe/validate/impl/column_statistics.ipp: bodies of validate/column_statistics.hpp's non-template functions (compiled once into libmlpipe by
// src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/column_statistics.hpp>

#include <algorithm>
#include <cmath>
#include <span>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/validate/detail/finite_scan.hpp>

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

MLPIPE_DECL void column_statistics::add(const column_view& c) {
  if (c.kind() != kind_)
    throw std::invalid_argument("statistics of column '" + name_ + "': a block has kind " +
                                std::string(to_string(c.kind())) + ", expected " + std::string(to_string(kind_)));
  const std::size_t n = c.size();
  const std::size_t miss = c.missing_count();
  rows_ += n;
  missing_ += miss;
  switch (kind_) {
    case column_kind::numeric: add_numeric(c, miss); break;
    case column_kind::categorical: add_categorical(c); break;
    case column_kind::string:
      for (std::size_t i = 0; i < n; ++i)
        if (c.is_valid(i)) values_.add(c.str(i));
      break;
  }
}

MLPIPE_DECL void column_statistics::add_numeric(const column_view& c, std::size_t miss) {
  auto v = c.values();
  if (miss == 0) {
    for (std::size_t b = 0; b < v.size(); b += chunk) add_values(v.data() + b, std::min(chunk, v.size() - b));
    return;
  }
  // Some rows are missing: gather the present ones (missing rows are not NaN values of the data).
  double buf[chunk];
  auto words = c.validity();
  const std::size_t off = c.validity_bit_offset();
  std::size_t m = 0;
  for (std::size_t i = 0; i < v.size(); ++i) {
    std::size_t bit = off + i;
    buf[m] = v[i];
    m += (words[bit >> 6] >> (bit & 63)) & 1u;
    if (m == chunk) {
      add_values(buf, m);
      m = 0;
    }
  }
  add_values(buf, m);
}

// Present values (possibly NaN or infinite).
MLPIPE_DECL void column_statistics::add_values(const double* p, std::size_t n) {
  if (n == 0) return;
  // Shifting by the running mean keeps d = x - shift small, so M2 = sum(d^2) - sum(d)^2 / n loses few bits;
  // when it would lose more than 10 (the block's mean far from the shift) the block is summed two-pass.
  const double shift = moments_.count ? moments_.mean : p[0];
  const auto r = detail::finite_scan(p, n, shift);
  if (r.finite) {
    zeros_ += r.zeros;
    const double dn = static_cast<double>(n);
    const double m2 = r.s2 - r.s1 * r.s1 / dn;
    if (m2 >= r.s2 * (1.0 / 1024)) moments_.merge(moments{n, shift + r.s1 / dn, m2});
    else moments_.add(std::span<const double>(p, n));
    sketch_.update(std::span<const double>(p, n), r.lo, r.hi);
    return;
  }
  double buf[chunk];
  std::size_t m = 0;
  for (std::size_t i = 0; i < n; ++i) {
    double d = p[i];
    if (std::isnan(d)) ++nan_;
    else if (std::isinf(d)) ++inf_;
    else {
      zeros_ += d == 0.0;
      buf[m++] = d;
    }
  }
  moments_.add(std::span<const double>(buf, m));
  sketch_.update(std::span<const double>(buf, m));
}

MLPIPE_DECL void column_statistics::add_categorical(const column_view& c) {
  const auto& dict = c.dictionary();
  std::vector<std::uint64_t> counts(dict.size(), 0);
  for (std::uint32_t code : c.codes())
    if (code < counts.size()) ++counts[code];
  for (std::size_t i = 0; i < counts.size(); ++i)
    if (counts[i]) values_.add(dict[i], counts[i]);
}

}  // namespace mlpipe
