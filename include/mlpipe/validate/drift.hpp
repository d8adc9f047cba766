// mlpipe/validate/drift.hpp: distances between two distributions of a column, for drift against a baseline:
// Jensen-Shannon divergence of numeric histograms on common boundaries, L-infinity of category frequencies.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include <mlpipe/validate/column_statistics.hpp>
#include <mlpipe/validate/histogram.hpp>
#include <mlpipe/validate/value_counts.hpp>

namespace mlpipe {

/// Jensen-Shannon divergence, log base 2 (so in [0, 1]), of two histograms re-bucketed onto the union of their
/// boundaries (uniform mass within a bucket, as TFDV does). 0 when either is empty.
inline double js_divergence(const histogram& a, const histogram& b) {
  if (a.counts.empty() || b.counts.empty()) return 0.0;
  std::vector<double> edges = a.boundaries;
  edges.insert(edges.end(), b.boundaries.begin(), b.boundaries.end());
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  if (edges.size() < 2) return 0.0;  // both are the same single point
  auto ra = a.rebucket(edges), rb = b.rebucket(edges);
  double ta = ra.total(), tb = rb.total();
  if (!(ta > 0) || !(tb > 0)) return 0.0;
  double js = 0.0;
  for (std::size_t i = 0; i < ra.counts.size(); ++i) {
    double p = ra.counts[i] / ta, q = rb.counts[i] / tb, m = 0.5 * (p + q);
    if (p > 0) js += 0.5 * p * std::log2(p / m);
    if (q > 0) js += 0.5 * q * std::log2(q / m);
  }
  return std::clamp(js, 0.0, 1.0);
}

namespace detail {
inline double js_of_masses(const std::vector<double>& p, const std::vector<double>& q) {
  double js = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double m = 0.5 * (p[i] + q[i]);
    if (p[i] > 0) js += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * std::log2(q[i] / m);
  }
  return std::clamp(js, 0.0, 1.0);
}
}  // namespace detail

/// Jensen-Shannon divergence (log2) of two numeric columns, on common boundaries: the union of both columns'
/// equal-width edges and quantile (equal-mass) edges. Each side's mass per bucket is read off its own sketch
/// (rank(b) - rank(a)), not spread uniformly, so a point mass (a spike of zeros) stays where it is and a change
/// inside one wide equal-width bucket still shows. The buckets are: at or below the lowest edge, each
/// (edge[i-1], edge[i]], above the highest edge.
inline double js_divergence(const column_statistics& a, const column_statistics& b, std::size_t buckets = 10) {
  if (a.sketch().empty() || b.sketch().empty()) return 0.0;
  std::vector<double> edges;
  for (auto* c : {&a, &b}) {
    auto ew = c->equal_width_histogram(buckets).boundaries;
    auto qh = c->quantile_histogram(buckets).boundaries;
    edges.insert(edges.end(), ew.begin(), ew.end());
    edges.insert(edges.end(), qh.begin(), qh.end());
  }
  std::sort(edges.begin(), edges.end());
  edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
  auto masses = [&](const column_statistics& c) {
    auto items = c.sketch().weighted_items();
    const double n = static_cast<double>(c.sketch().count());
    std::vector<double> m(edges.size() + 1, 0.0);
    std::size_t e = 0;
    for (auto [v, w] : items) {  // both sorted: one merge-like walk
      while (e < edges.size() && v > edges[e]) ++e;
      m[e] += static_cast<double>(w) / n;
    }
    return m;
  };
  return detail::js_of_masses(masses(a), masses(b));
}

/// Largest absolute difference between the normalized frequencies of any value (L-infinity distance).
/// `worst` receives the value where it is reached.
inline double l_infinity_distance(const value_counter& a, const value_counter& b, std::string* worst = nullptr) {
  if (a.present() == 0 || b.present() == 0) return 0.0;
  double na = static_cast<double>(a.present()), nb = static_cast<double>(b.present()), best = 0.0;
  auto check = [&](const std::string& v) {
    double d = std::abs(static_cast<double>(a.count(v)) / na - static_cast<double>(b.count(v)) / nb);
    if (d > best || (d == best && worst && worst->empty())) {
      best = d;
      if (worst) *worst = v;
    }
  };
  for (auto& v : a.all()) check(v.value);
  for (auto& v : b.all()) check(v.value);
  return best;
}

}  // namespace mlpipe
