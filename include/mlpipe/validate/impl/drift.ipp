// mlpipe/validate/impl/drift.ipp: bodies of validate/drift.hpp's non-template functions (compiled once into libmlpipe
// by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/drift.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

namespace mlpipe {

MLPIPE_DECL double js_divergence(const histogram& a, const histogram& b) {
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
MLPIPE_DECL double js_of_masses(const std::vector<double>& p, const std::vector<double>& q) {
  double js = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    double m = 0.5 * (p[i] + q[i]);
    if (p[i] > 0) js += 0.5 * p[i] * std::log2(p[i] / m);
    if (q[i] > 0) js += 0.5 * q[i] * std::log2(q[i] / m);
  }
  return std::clamp(js, 0.0, 1.0);
}
}  // namespace detail

MLPIPE_DECL double js_divergence(const column_statistics& a, const column_statistics& b, std::size_t buckets) {
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

MLPIPE_DECL double l_infinity_distance(const value_counter& a, const value_counter& b, std::string* worst) {
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
