// mlpipe/validate/impl/histogram.ipp: bodies of validate/histogram.hpp's non-template functions (compiled once into
// libmlpipe by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/histogram.hpp>

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include <nlohmann/json.hpp>

namespace mlpipe {

MLPIPE_DECL histogram histogram::equal_width(const quantile_sketch& s, std::size_t buckets) {
  histogram h;
  if (s.empty() || buckets == 0) return h;
  double lo = s.min(), hi = s.max();
  if (!(hi > lo)) {
    h.boundaries = {lo, hi};
    h.counts = {static_cast<double>(s.count())};
    return h;
  }
  h.boundaries.resize(buckets + 1);
  for (std::size_t i = 0; i <= buckets; ++i)
    h.boundaries[i] = lo + (hi - lo) * static_cast<double>(i) / static_cast<double>(buckets);
  h.boundaries.back() = hi;
  h.counts.assign(buckets, 0.0);
  // One walk over the sorted weighted items: item v lands in the first bucket whose upper edge is >= v.
  std::size_t b = 0;
  for (auto [v, w] : s.weighted_items()) {
    while (b + 1 < buckets && v > h.boundaries[b + 1]) ++b;
    h.counts[b] += static_cast<double>(w);
  }
  return h;
}

MLPIPE_DECL histogram histogram::quantile_buckets(const quantile_sketch& s, std::size_t buckets) {
  histogram h;
  if (s.empty() || buckets == 0) return h;
  std::vector<double> qs(buckets + 1);
  for (std::size_t i = 0; i <= buckets; ++i) qs[i] = static_cast<double>(i) / static_cast<double>(buckets);
  h.boundaries = s.quantiles(qs);
  h.counts.assign(buckets, static_cast<double>(s.count()) / static_cast<double>(buckets));
  return h;
}

MLPIPE_DECL histogram histogram::rebucket(const std::vector<double>& edges) const {
  histogram r;
  r.boundaries = edges;
  if (edges.size() < 2) return r;
  r.counts.assign(edges.size() - 1, 0.0);
  auto bucket_of = [&](double x) {  // the new bucket holding point x
    auto it = std::upper_bound(edges.begin(), edges.end(), x);
    std::size_t i = it == edges.begin() ? 0 : static_cast<std::size_t>(it - edges.begin()) - 1;
    return std::min(i, r.counts.size() - 1);
  };
  for (std::size_t i = 0; i < counts.size(); ++i) {
    double lo = boundaries[i], hi = boundaries[i + 1], c = counts[i];
    if (c == 0) continue;
    if (!(hi > lo)) { r.counts[bucket_of(lo)] += c; continue; }
    double placed = 0;
    for (std::size_t j = 0; j < r.counts.size(); ++j) {
      double a = std::max(lo, edges[j]), b = std::min(hi, edges[j + 1]);
      if (b > a) {
        double part = c * (b - a) / (hi - lo);
        r.counts[j] += part;
        placed += part;
      }
    }
    if (placed < c) r.counts[bucket_of(lo < edges.front() ? lo : hi)] += c - placed;
  }
  return r;
}

MLPIPE_DECL void to_json(nlohmann::json& j, const histogram& h) {
  j = nlohmann::json{{"boundaries", h.boundaries}, {"counts", h.counts}};
}

MLPIPE_DECL void from_json(const nlohmann::json& j, histogram& h) {
  j.at("boundaries").get_to(h.boundaries);
  j.at("counts").get_to(h.counts);
  if (!h.counts.empty() && h.boundaries.size() != h.counts.size() + 1)
    throw std::runtime_error("histogram: boundaries must number one more than counts");
}

}  // namespace mlpipe
