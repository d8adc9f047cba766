// mlpipe/validate/quantile_sketch.hpp: a mergeable KLL quantile sketch over doubles with a stated rank error.
// Answers quantile(q), rank(x) and the weighted sample behind them in O(k) memory, whatever the stream's length.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mlpipe {

/// KLL sketch (Karnin, Lang & Liberty 2016), laid out as Apache DataSketches does: level h holds items of weight
/// 2^h, capacities shrink by 2/3 per level below the top (never under 8), and a full level is sorted and halved by
/// keeping every other item from a random offset. Exact while the stream fits (n <= about 3k items).
///
/// Stated error: every rank (and so every quantile) is within `rank_error() * n` of the truth, at 99% confidence,
/// for all queries at once: 1.65% for the default k = 200 (DataSketches' measured bound 2.446 / k^0.9433).
/// The random offsets come from a seeded generator, so the same input in the same order gives the same sketch.
class quantile_sketch {
 public:
  static constexpr std::uint32_t default_k = 200;

  explicit quantile_sketch(std::uint32_t k = default_k, std::uint64_t seed = 0x9E3779B97F4A7C15ULL)
      : k_(k < 8 ? 8 : k), rng_(seed ? seed : 1) {
    levels_.resize(1);
    recompute_capacity();
  }

  /// Normalized rank error bound (99% confidence, all quantiles simultaneously) for a given k.
  static double rank_error(std::uint32_t k) noexcept { return 2.446 / std::pow(static_cast<double>(k), 0.9433); }
  double rank_error() const noexcept { return is_exact() ? 0.0 : rank_error(k_); }

  std::uint32_t k() const noexcept { return k_; }
  std::uint64_t count() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  /// True while no item has been discarded: quantiles are then exact.
  bool is_exact() const noexcept { return levels_.size() == 1; }
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  /// Items retained (the sketch's memory, in doubles).
  std::size_t retained() const noexcept { return size_; }

  /// Adds finite values (callers filter NaN and infinities).
  void update(double x) { update(std::span<const double>(&x, 1)); }
  void update(std::span<const double> xs) {
    if (xs.empty()) return;
    const auto [lo, hi] = std::minmax_element(xs.begin(), xs.end());
    min_ = std::min(min_, *lo);
    max_ = std::max(max_, *hi);
    n_ += xs.size();
    while (!xs.empty()) {
      std::size_t room = total_capacity_ >= size_ ? total_capacity_ - size_ + 1 : 1;
      std::size_t take = std::min(room, xs.size());
      auto& l0 = levels_[0];
      l0.insert(l0.end(), xs.begin(), xs.begin() + static_cast<std::ptrdiff_t>(take));
      sorted_[0] = false;
      size_ += take;
      xs = xs.subspan(take);
      if (size_ > total_capacity_) compress();
    }
  }

  /// Merges another sketch (any k; the result keeps this sketch's k).
  void merge(const quantile_sketch& o) {
    if (o.n_ == 0) return;
    while (levels_.size() < o.levels_.size()) add_level();
    for (std::size_t h = 0; h < o.levels_.size(); ++h) {
      if (o.levels_[h].empty()) continue;
      auto& l = levels_[h];
      l.insert(l.end(), o.levels_[h].begin(), o.levels_[h].end());
      sorted_[h] = false;
      size_ += o.levels_[h].size();
    }
    n_ += o.n_;
    min_ = std::min(min_, o.min_);
    max_ = std::max(max_, o.max_);
    if (size_ > total_capacity_) compress();
  }

  /// The retained items with their weights, sorted by value (weights sum to count()).
  std::vector<std::pair<double, std::uint64_t>> weighted_items() const {
    std::vector<std::pair<double, std::uint64_t>> out;
    out.reserve(size_);
    for (std::size_t h = 0; h < levels_.size(); ++h)
      for (double v : levels_[h]) out.emplace_back(v, std::uint64_t{1} << h);
    std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first < b.first; });
    return out;
  }

  /// Estimated q-quantile, interpolated like pandas/numpy ("linear") between the items holding ranks
  /// floor(q(n-1)) and ceil(q(n-1)); exact (equal to pandas) while is_exact(). NaN when empty.
  double quantile(double q) const { return quantiles(std::span<const double>(&q, 1))[0]; }

  std::vector<double> quantiles(std::span<const double> qs) const {
    std::vector<double> out(qs.size(), std::numeric_limits<double>::quiet_NaN());
    if (n_ == 0) return out;
    auto items = weighted_items();
    std::vector<std::uint64_t> cum(items.size());
    std::uint64_t c = 0;
    for (std::size_t i = 0; i < items.size(); ++i) cum[i] = (c += items[i].second);
    auto at_rank = [&](std::uint64_t r) {  // item covering 0-based rank r
      auto it = std::upper_bound(cum.begin(), cum.end(), r);
      if (it == cum.end()) return max_;
      return items[static_cast<std::size_t>(it - cum.begin())].first;
    };
    for (std::size_t i = 0; i < qs.size(); ++i) {
      double q = qs[i];
      if (!(q >= 0.0 && q <= 1.0)) throw std::invalid_argument("quantile_sketch: q must be in [0, 1]");
      if (q == 0.0) { out[i] = min_; continue; }
      if (q == 1.0) { out[i] = max_; continue; }
      double pos = q * static_cast<double>(n_ - 1);
      auto lo = static_cast<std::uint64_t>(std::floor(pos));
      double frac = pos - static_cast<double>(lo);
      double a = at_rank(lo), b = frac > 0 ? at_rank(lo + 1) : a;
      out[i] = a + (b - a) * frac;
    }
    return out;
  }

  /// Estimated fraction of values <= x.
  double rank(double x) const {
    if (n_ == 0) return std::numeric_limits<double>::quiet_NaN();
    if (x < min_) return 0.0;
    if (x >= max_) return 1.0;
    std::uint64_t w = 0;
    for (std::size_t h = 0; h < levels_.size(); ++h)
      for (double v : levels_[h])
        if (v <= x) w += std::uint64_t{1} << h;
    return static_cast<double>(w) / static_cast<double>(n_);
  }

  friend void to_json(nlohmann::json& j, const quantile_sketch& s) {
    j = nlohmann::json{{"k", s.k_}, {"n", s.n_}, {"state", s.rng_}, {"levels", s.levels_}};
    if (s.n_ > 0) { j["min"] = s.min_; j["max"] = s.max_; }
  }
  friend void from_json(const nlohmann::json& j, quantile_sketch& s) {
    s = quantile_sketch(j.at("k").get<std::uint32_t>(), j.value("state", std::uint64_t{1}));
    s.levels_ = j.at("levels").get<std::vector<std::vector<double>>>();
    if (s.levels_.empty()) s.levels_.resize(1);
    s.sorted_.assign(s.levels_.size(), false);
    s.n_ = j.at("n").get<std::uint64_t>();
    s.size_ = 0;
    std::uint64_t weight = 0;
    for (std::size_t h = 0; h < s.levels_.size(); ++h) {
      s.size_ += s.levels_[h].size();
      weight += s.levels_[h].size() << h;
    }
    if (weight != s.n_) throw std::runtime_error("quantile sketch: item weights do not add up to n");
    if (s.n_ > 0) { s.min_ = j.at("min").get<double>(); s.max_ = j.at("max").get<double>(); }
    s.recompute_capacity();
  }

 private:
  std::size_t capacity(std::size_t level) const noexcept {
    std::size_t depth = levels_.size() - 1 - level;
    double c = static_cast<double>(k_) * std::pow(2.0 / 3.0, static_cast<double>(depth));
    auto r = static_cast<std::size_t>(std::lround(c));
    return r < 8 ? 8 : r;
  }
  void recompute_capacity() noexcept {
    total_capacity_ = 0;
    for (std::size_t h = 0; h < levels_.size(); ++h) total_capacity_ += capacity(h);
  }
  void add_level() {
    levels_.emplace_back();
    sorted_.push_back(true);
    recompute_capacity();
  }
  bool coin() noexcept {  // xorshift64
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return (rng_ >> 32) & 1;
  }
  void compress() {
    while (size_ > total_capacity_) {
      std::size_t h = 0;
      while (h < levels_.size() && levels_[h].size() < capacity(h)) ++h;
      if (h == levels_.size()) return;  // cannot happen: the sizes exceed the capacities somewhere
      if (h + 1 == levels_.size()) add_level();
      compact(h);
    }
  }
  void compact(std::size_t h) {
    auto& l = levels_[h];
    if (!sorted_[h]) std::sort(l.begin(), l.end());
    sorted_[h] = true;
    // An odd item stays at its level (weights stay exact); the others pair up and one of each pair moves up.
    double kept = 0;
    bool odd = (l.size() & 1) != 0;
    if (odd) { kept = l.back(); l.pop_back(); }
    std::size_t off = coin() ? 1 : 0;
    scratch_.clear();
    for (std::size_t i = off; i < l.size(); i += 2) scratch_.push_back(l[i]);
    auto& up = levels_[h + 1];
    if (!sorted_[h + 1]) { std::sort(up.begin(), up.end()); sorted_[h + 1] = true; }
    std::size_t mid = up.size();
    up.insert(up.end(), scratch_.begin(), scratch_.end());
    std::inplace_merge(up.begin(), up.begin() + static_cast<std::ptrdiff_t>(mid), up.end());
    size_ -= l.size() - scratch_.size();
    l.clear();
    if (odd) l.push_back(kept);
  }

  std::uint32_t k_;
  std::uint64_t rng_;
  std::uint64_t n_ = 0;
  std::size_t size_ = 0, total_capacity_ = 0;
  double min_ = std::numeric_limits<double>::infinity(), max_ = -std::numeric_limits<double>::infinity();
  std::vector<std::vector<double>> levels_;
  std::vector<bool> sorted_ = std::vector<bool>(1, true);
  std::vector<double> scratch_;
};

}  // namespace mlpipe
