// mlpipe/validate/impl/quantile_sketch.ipp: bodies of validate/quantile_sketch.hpp's non-template functions (compiled
// once into libmlpipe by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/quantile_sketch.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/validate/detail/sort_doubles.hpp>

namespace mlpipe {

MLPIPE_DECL quantile_sketch::quantile_sketch(std::uint32_t k, std::uint64_t seed)
    : k_(k < 8 ? 8 : k), kc_(compactor_k(k_)), rng_(seed ? seed : 1) {
  levels_.resize(1);
  recompute_capacity();
}

MLPIPE_DECL double quantile_sketch::rank_error(std::uint32_t k, bool sampled) noexcept {
  k = k < 8 ? 8 : k;
  return sampled ? budget(k) : compactor_error(compactor_k(k));
}

MLPIPE_DECL double quantile_sketch::rank_error() const noexcept {
  if (is_exact() || n_ == 0) return 0.0;
  double e = compacted_ ? compactor_error(kc_) : 0.0;
  if (sampler_weight_squares_ > 0) e += std::sqrt(hoeffding_99 * sampler_weight_squares_) / static_cast<double>(n_);
  return e;
}

MLPIPE_DECL std::uint64_t quantile_sketch::min_sample(std::uint32_t k) noexcept {
  k = k < 8 ? 8 : k;
  double e = budget(k) - compactor_error(compactor_k(k));
  return static_cast<std::uint64_t>(std::ceil(hoeffding_99 / (e * e)));
}

MLPIPE_DECL void quantile_sketch::update(std::span<const double> xs) {
  if (xs.empty()) return;
  update_min_max(xs);
  ingest(xs);
}

MLPIPE_DECL void quantile_sketch::update(std::span<const double> xs, double lo, double hi) {
  if (xs.empty()) return;
  min_ = std::min(min_, lo);
  max_ = std::max(max_, hi);
  ingest(xs);
}

MLPIPE_DECL void quantile_sketch::merge(const quantile_sketch& o) {
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
  sampler_weight_squares_ += o.sampler_weight_squares_;
  compacted_ = compacted_ || o.compacted_;
  kc_ = std::min(kc_, o.kc_);  // the coarser of the two compactors bounds the error
  recompute_capacity();
  if (size_ > total_capacity_) compress();
}

MLPIPE_DECL std::vector<std::pair<double, std::uint64_t>> quantile_sketch::weighted_items() const {
  std::vector<std::pair<double, std::uint64_t>> out;
  out.reserve(size_ + pending_.size());
  for (std::size_t h = 0; h < levels_.size(); ++h)
    for (double v : levels_[h]) out.emplace_back(v, std::uint64_t{1} << h);
  for (double v : pending_) out.emplace_back(v, 1);
  std::sort(out.begin(), out.end(), [](auto& a, auto& b) { return a.first < b.first; });
  return out;
}

MLPIPE_DECL std::vector<double> quantile_sketch::quantiles(std::span<const double> qs) const {
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

MLPIPE_DECL double quantile_sketch::rank(double x) const {
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

MLPIPE_DECL void to_json(nlohmann::json& j, const quantile_sketch& s) {
  j = nlohmann::json{{"k", s.k_},
                     {"compactor_k", s.kc_},
                     {"n", s.n_},
                     {"state", s.rng_},
                     {"levels", s.levels_},
                     {"pending", s.pending_},
                     {"sample_level", s.sample_level_},
                     {"sampler_weight_squares", s.sampler_weight_squares_},
                     {"compacted", s.compacted_}};
  if (s.n_ > 0) { j["min"] = s.min_; j["max"] = s.max_; }
}

MLPIPE_DECL void from_json(const nlohmann::json& j, quantile_sketch& s) {
  s = quantile_sketch(j.at("k").get<std::uint32_t>(), j.value("state", std::uint64_t{1}));
  s.kc_ = std::max<std::uint32_t>(8, j.value("compactor_k", s.k_));  // older sketches compacted at k
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
  // Older sketches did not record these: assume the worst their state allows.
  s.compacted_ = j.value("compacted", s.levels_.size() > 1);
  s.sampler_weight_squares_ = j.value(
      "sampler_weight_squares",
      s.sample_level_ > 0 ? static_cast<double>(s.n_) * static_cast<double>(std::uint64_t{1} << s.sample_level_)
                          : 0.0);
  if (!(s.sampler_weight_squares_ >= 0)) throw std::runtime_error("quantile sketch: negative sampler weights");
  if (s.n_ > 0) { s.min_ = j.at("min").get<double>(); s.max_ = j.at("max").get<double>(); }
  s.recompute_capacity();
}

MLPIPE_DECL std::uint32_t quantile_sketch::compactor_k(std::uint32_t k) noexcept {
  return k > 0x7FFFFFFFu / 3 ? 0x7FFFFFFFu : 3 * k;
}

MLPIPE_DECL double quantile_sketch::compactor_error(std::uint32_t kc) noexcept {
  return 2.446 / std::pow(static_cast<double>(kc), 0.9433);
}

MLPIPE_DECL double quantile_sketch::budget(std::uint32_t k) noexcept {
  return compactor_error(k) + std::sqrt(hoeffding_99) / static_cast<double>(k);
}

MLPIPE_DECL void quantile_sketch::recompute_capacity() {
  capacities_.resize(levels_.size());
  total_capacity_ = 0;
  for (std::size_t h = 0; h < levels_.size(); ++h) {
    std::size_t depth = levels_.size() - 1 - h;
    double c = static_cast<double>(kc_) * std::pow(2.0 / 3.0, static_cast<double>(depth));
    auto r = static_cast<std::size_t>(std::lround(c));
    capacities_[h] = r < 8 ? 8 : r;
    // The level new items enter holds a large batch before it is compacted: sorting and halving big batches
    // costs far less per item than the cascade of tiny compactions, and fewer compactions only lower the error.
    if (h == sample_level_) capacities_[h] = std::max<std::size_t>(capacities_[h], std::max<std::size_t>(kc_, entry_batch));
    total_capacity_ += capacities_[h];
  }
}

MLPIPE_DECL void quantile_sketch::add_level() {
  levels_.emplace_back();
  sorted_.push_back(true);
  recompute_capacity();
}

// Independent lanes (no std::minmax_element: its branches cost more than the whole rest of the sketch).
MLPIPE_DECL void quantile_sketch::update_min_max(std::span<const double> xs) noexcept {
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

MLPIPE_DECL void quantile_sketch::ingest(std::span<const double> xs) {
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

MLPIPE_DECL std::uint64_t quantile_sketch::next_random() noexcept {  // xorshift64
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

MLPIPE_DECL bool quantile_sketch::coin() noexcept { return (next_random() >> 32) & 1; }

// Sampling below the compactors (KLL paper, section 4): once the stream is long, a random one of every 2^s
// items enters level s directly, with weight w = 2^s. A group's rank error lies in [-c, w - c] (c: its items
// at or below the query), has mean 0 and is independent of the others, so by Hoeffding the sampler's error
// exceeds t with probability at most 2 exp(-2 t^2 / sum(w^2)) = 1% at t = sqrt(ln(200) / 2 * sum(w^2)).
// Raising s only while n / 2^(s+1) >= min_sample(k) keeps sum(w^2) <= n * 2^s <= n^2 / min_sample(k), so t / n
// stays within the budget. The per-item cost drops to a min/max update for all but one item in 2^s.
// Changed only between groups.
// Below 2k^2 values (80,000 at k = 200) nothing is sampled: sorting them all is cheap, and the compactors'
// 0.59% alone applies.
MLPIPE_DECL void quantile_sketch::raise_sampling() {
  const double m = static_cast<double>(min_sample(k_));
  const double n = static_cast<double>(std::max(n_, expected_));
  if (n < 2.0 * static_cast<double>(k_) * static_cast<double>(k_)) return;
  std::size_t s = sample_level_;
  while (s < 62 && static_cast<double>(std::uint64_t{2} << s) * m <= n) ++s;
  if (s == sample_level_) return;
  sample_level_ = s;
  while (levels_.size() <= sample_level_) add_level();
  recompute_capacity();
}

MLPIPE_DECL void quantile_sketch::push_sample(double v) {
  levels_[sample_level_].push_back(v);
  sorted_[sample_level_] = false;
  if (++size_ > total_capacity_) compress();
}

MLPIPE_DECL void quantile_sketch::ingest_sampled(std::span<const double> xs) {
  const std::size_t w = std::size_t{1} << sample_level_;
  const double w2 = static_cast<double>(w) * static_cast<double>(w);
  std::size_t i = 0;
  if (!pending_.empty()) {
    std::size_t need = w - pending_.size();
    if (xs.size() < need) {
      pending_.insert(pending_.end(), xs.begin(), xs.end());
      return;
    }
    std::size_t r = next_random() & (w - 1);
    push_sample(r < pending_.size() ? pending_[r] : xs[r - pending_.size()]);
    sampler_weight_squares_ += w2;
    pending_.clear();
    i = need;
  }
  std::size_t groups = 0;
  for (; i + w <= xs.size(); i += w, ++groups) push_sample(xs[i + (next_random() & (w - 1))]);
  sampler_weight_squares_ += static_cast<double>(groups) * w2;
  pending_.assign(xs.begin() + static_cast<std::ptrdiff_t>(i), xs.end());
}

MLPIPE_DECL void quantile_sketch::compress() {
  while (size_ > total_capacity_) {
    std::size_t h = 0;
    while (h < levels_.size() && levels_[h].size() < capacity(h)) ++h;
    if (h == levels_.size()) return;  // cannot happen: the sizes exceed the capacities somewhere
    if (h + 1 == levels_.size()) add_level();
    compact(h);
  }
}

MLPIPE_DECL void quantile_sketch::sort_level(std::size_t h) {
  if (sorted_[h]) return;
  detail::sort_doubles(levels_[h].data(), levels_[h].size(), keys_);
  sorted_[h] = true;
}

MLPIPE_DECL void quantile_sketch::compact(std::size_t h) {
  auto& l = levels_[h];
  sort_level(h);
  compacted_ = true;
  // An odd item stays at its level (weights stay exact); the others pair up and one of each pair moves up.
  double kept = 0;
  bool odd = (l.size() & 1) != 0;
  if (odd) { kept = l.back(); l.pop_back(); }
  std::size_t off = coin() ? 1 : 0;
  scratch_.clear();
  for (std::size_t i = off; i < l.size(); i += 2) scratch_.push_back(l[i]);
  sort_level(h + 1);
  auto& up = levels_[h + 1];
  merged_.resize(up.size() + scratch_.size());
  std::merge(up.begin(), up.end(), scratch_.begin(), scratch_.end(), merged_.begin());
  up.swap(merged_);
  size_ -= l.size() - scratch_.size();
  l.clear();
  if (odd) l.push_back(kept);
}

}  // namespace mlpipe
