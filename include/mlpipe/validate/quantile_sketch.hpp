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
/// Long streams are first sampled (one random item of every 2^s enters level s; KLL paper, section 4), so that
/// only about k^2 items per stream pay for sorting and compaction.
///
/// Stated error: a rank (and so a quantile) is within `rank_error() * n` of the truth with 99% confidence:
///   - compactors: 2.446 / k^0.9433 for all queries at once (Apache DataSketches' measured bound; 1.65% at k = 200);
///   - sampler, once it is on: sqrt(ln(200) / 2) / k (Hoeffding, per query; 0.81% at k = 200), see raise_sampling.
/// So 1.65% while n < 2k^2 (80,000 at k = 200) and 2.46% beyond; exact while n <= about 3k (no item dropped).
/// The random choices come from a seeded generator: the same input in the same order gives the same sketch.
class quantile_sketch {
 public:
  static constexpr std::uint32_t default_k = 200;

  explicit quantile_sketch(std::uint32_t k = default_k, std::uint64_t seed = 0x9E3779B97F4A7C15ULL)
      : k_(k < 8 ? 8 : k), rng_(seed ? seed : 1) {
    levels_.resize(1);
    recompute_capacity();
  }

  /// Normalized rank error bound (99% confidence) for a given k, with or without the sampler.
  static double rank_error(std::uint32_t k, bool sampled = false) noexcept {
    double compactors = 2.446 / std::pow(static_cast<double>(k), 0.9433);
    double sampler = std::sqrt(std::log(200.0) / 2.0) / static_cast<double>(k);
    return compactors + (sampled ? sampler : 0.0);
  }
  /// The bound that applies to this sketch now (0 while it is exact).
  double rank_error() const noexcept { return is_exact() ? 0.0 : rank_error(k_, sample_level_ > 0); }

  /// Announces that about `n` items will come in all (e.g. a column's length): sampling then starts at the
  /// level it would reach at the end, so only about 2k^2 items are sorted however long the stream. The error
  /// bound holds as long as the stream is not much shorter than announced.
  void expect(std::uint64_t n) noexcept { expected_ = std::max(expected_, n); }

  std::uint32_t k() const noexcept { return k_; }
  std::uint64_t count() const noexcept { return n_; }
  bool empty() const noexcept { return n_ == 0; }
  /// True while no item has been discarded: quantiles are then exact.
  bool is_exact() const noexcept { return levels_.size() == 1 && sample_level_ == 0; }
  double min() const noexcept { return min_; }
  double max() const noexcept { return max_; }
  /// Items retained (the sketch's memory, in doubles).
  std::size_t retained() const noexcept { return size_ + pending_.size(); }

  /// Adds finite values (callers filter NaN and infinities).
  void update(double x) { update(std::span<const double>(&x, 1)); }
  void update(std::span<const double> xs) {
    if (xs.empty()) return;
    update_min_max(xs);
    n_ += xs.size();
    if (pending_.empty()) raise_sampling();
    if (sample_level_ > 0) {
      ingest_sampled(xs);
      return;
    }
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
    if (!o.pending_.empty()) {  // the other's unfinished sample group: raw items, fed as a stream continuation
      quantile_sketch rest = o;
      std::vector<double> raw = std::move(rest.pending_);
      rest.pending_.clear();
      rest.n_ -= raw.size();
      merge(rest);
      update(raw);
      return;
    }
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
    out.reserve(size_ + pending_.size());
    for (std::size_t h = 0; h < levels_.size(); ++h)
      for (double v : levels_[h]) out.emplace_back(v, std::uint64_t{1} << h);
    for (double v : pending_) out.emplace_back(v, 1);
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
    for (double v : pending_)
      if (v <= x) ++w;
    return static_cast<double>(w) / static_cast<double>(n_);
  }

  friend void to_json(nlohmann::json& j, const quantile_sketch& s) {
    j = nlohmann::json{{"k", s.k_},           {"n", s.n_},          {"state", s.rng_},
                       {"levels", s.levels_}, {"pending", s.pending_}, {"sample_level", s.sample_level_}};
    if (s.n_ > 0) { j["min"] = s.min_; j["max"] = s.max_; }
  }
  friend void from_json(const nlohmann::json& j, quantile_sketch& s) {
    s = quantile_sketch(j.at("k").get<std::uint32_t>(), j.value("state", std::uint64_t{1}));
    s.levels_ = j.at("levels").get<std::vector<std::vector<double>>>();
    if (s.levels_.empty()) s.levels_.resize(1);
    s.sorted_.assign(s.levels_.size(), false);
    s.n_ = j.at("n").get<std::uint64_t>();
    s.pending_ = j.value("pending", std::vector<double>{});
    s.sample_level_ = j.value("sample_level", std::size_t{0});
    if (s.sample_level_ >= 64 || s.pending_.size() >= (std::size_t{1} << s.sample_level_) + (s.sample_level_ == 0))
      throw std::runtime_error("quantile sketch: inconsistent sample level and pending items");
    s.size_ = 0;
    std::uint64_t weight = s.pending_.size();
    for (std::size_t h = 0; h < s.levels_.size(); ++h) {
      s.size_ += s.levels_[h].size();
      weight += s.levels_[h].size() << h;
    }
    if (weight != s.n_) throw std::runtime_error("quantile sketch: item weights do not add up to n");
    if (s.n_ > 0) { s.min_ = j.at("min").get<double>(); s.max_ = j.at("max").get<double>(); }
    s.recompute_capacity();
  }

 private:
  std::size_t capacity(std::size_t level) const noexcept { return capacities_[level]; }
  void recompute_capacity() {
    capacities_.resize(levels_.size());
    total_capacity_ = 0;
    for (std::size_t h = 0; h < levels_.size(); ++h) {
      std::size_t depth = levels_.size() - 1 - h;
      double c = static_cast<double>(k_) * std::pow(2.0 / 3.0, static_cast<double>(depth));
      auto r = static_cast<std::size_t>(std::lround(c));
      capacities_[h] = r < 8 ? 8 : r;
      // The level new items enter holds up to k before it is compacted: sorting and halving bigger batches
      // costs far less per item than the cascade of tiny compactions, and a larger level only lowers the error.
      if (h == sample_level_ && capacities_[h] < k_) capacities_[h] = k_;
      total_capacity_ += capacities_[h];
    }
  }
  void add_level() {
    levels_.emplace_back();
    sorted_.push_back(true);
    recompute_capacity();
  }
  // Independent lanes (no std::minmax_element: its branches cost more than the whole rest of the sketch).
  void update_min_max(std::span<const double> xs) noexcept {
    const double* p = xs.data();
    const std::size_t n = xs.size();
    double lo[4] = {min_, min_, min_, min_}, hi[4] = {max_, max_, max_, max_};
    const std::size_t n4 = n - n % 4;
    for (std::size_t i = 0; i < n4; i += 4)
      for (std::size_t l = 0; l < 4; ++l) {
        lo[l] = p[i + l] < lo[l] ? p[i + l] : lo[l];
        hi[l] = p[i + l] > hi[l] ? p[i + l] : hi[l];
      }
    for (std::size_t i = n4; i < n; ++i) {
      lo[0] = p[i] < lo[0] ? p[i] : lo[0];
      hi[0] = p[i] > hi[0] ? p[i] : hi[0];
    }
    min_ = std::min(std::min(lo[0], lo[1]), std::min(lo[2], lo[3]));
    max_ = std::max(std::max(hi[0], hi[1]), std::max(hi[2], hi[3]));
  }
  std::uint64_t next_random() noexcept {  // xorshift64
    rng_ ^= rng_ << 13;
    rng_ ^= rng_ >> 7;
    rng_ ^= rng_ << 17;
    return rng_;
  }
  bool coin() noexcept { return (next_random() >> 32) & 1; }

  // Sampling below the compactors (KLL paper, section 4): once the stream is long, a random one of every 2^s
  // items enters level s directly, with weight 2^s. A group's rank error lies in [-2^s, 2^s], has mean 0 and
  // is independent of the others, so by Hoeffding the sampler's error exceeds t*n with probability at most
  // 2 exp(-2 t^2 n^2 / sum(items at s * 2^s)); with 2^s <= n / k^2 that sum is <= n^2 / k^2, giving
  // t = sqrt(ln(2 / 0.01) / 2) / k at 99%. The per-item cost drops to a min/max update for all but one item in
  // 2^s. Changed only between groups.
  void raise_sampling() {
    const double kk = static_cast<double>(k_) * static_cast<double>(k_);
    const double n = static_cast<double>(std::max(n_, expected_));
    while (sample_level_ < 62 && static_cast<double>(std::uint64_t{2} << sample_level_) * kk <= n)
      ++sample_level_;
    while (levels_.size() <= sample_level_) add_level();
    recompute_capacity();
  }
  void push_sample(double v) {
    levels_[sample_level_].push_back(v);
    sorted_[sample_level_] = false;
    if (++size_ > total_capacity_) compress();
  }
  void ingest_sampled(std::span<const double> xs) {
    const std::size_t w = std::size_t{1} << sample_level_;
    std::size_t i = 0;
    if (!pending_.empty()) {
      std::size_t need = w - pending_.size();
      if (xs.size() < need) {
        pending_.insert(pending_.end(), xs.begin(), xs.end());
        return;
      }
      std::size_t r = next_random() & (w - 1);
      push_sample(r < pending_.size() ? pending_[r] : xs[r - pending_.size()]);
      pending_.clear();
      i = need;
    }
    for (; i + w <= xs.size(); i += w) push_sample(xs[i + (next_random() & (w - 1))]);
    pending_.assign(xs.begin() + static_cast<std::ptrdiff_t>(i), xs.end());
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
    merged_.resize(up.size() + scratch_.size());
    std::merge(up.begin(), up.end(), scratch_.begin(), scratch_.end(), merged_.begin());
    up.swap(merged_);
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
  std::vector<double> scratch_, merged_;
  std::vector<std::size_t> capacities_;
  std::vector<double> pending_;        // raw items of the unfinished sample group (fewer than 2^sample_level_)
  std::size_t sample_level_ = 0;
  std::uint64_t expected_ = 0;        // announced stream length (expect())
};

}  // namespace mlpipe
