// mlpipe/ui/charts.hpp: the UI's charts as inline SVG: histograms (with a baseline overlaid), value-count bars,
// a line chart over runs (downsampled for drawing) and a heat map. One SVG element per bar, point or cell.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>
#include <vector>

#include <mlpipe/ui/html.hpp>

namespace mlpipe::ui {

/// A histogram to draw: edges (buckets + 1) and counts.
struct histogram_data {
  std::vector<double> edges;
  std::vector<double> counts;
};

namespace detail {
inline std::string fmt(double v) { return number(v, 6); }
inline double total(const std::vector<double>& c) {
  double t = 0;
  for (double x : c) t += x;
  return t;
}
}  // namespace detail

/// A histogram as SVG bars (class "current"); with a baseline, its bars over the same x axis (class "baseline"),
/// both as shares of their totals so spans of different sizes compare.
inline std::string svg_histogram(const histogram_data& h, const histogram_data* baseline = nullptr, int width = 260,
                                 int height = 90) {
  if (h.counts.empty() || h.edges.size() != h.counts.size() + 1) return "<span class=\"muted\">no histogram</span>";
  double lo = h.edges.front(), hi = h.edges.back();
  if (baseline && baseline->edges.size() == baseline->counts.size() + 1 && !baseline->counts.empty()) {
    lo = std::min(lo, baseline->edges.front());
    hi = std::max(hi, baseline->edges.back());
  }
  if (!(hi > lo)) hi = lo + 1;
  const double plot_h = height - 16;
  auto shares = [](const histogram_data& d) {
    std::vector<double> s(d.counts);
    double t = detail::total(s);
    for (auto& x : s) x = t > 0 ? x / t : 0;
    return s;
  };
  auto cur = shares(h);
  std::vector<double> base;
  if (baseline) base = shares(*baseline);
  double top = 0;
  for (double x : cur) top = std::max(top, x);
  for (double x : base) top = std::max(top, x);
  if (top <= 0) top = 1;
  auto x_of = [&](double v) { return (v - lo) / (hi - lo) * width; };
  std::string s = "<svg class=\"histogram bars\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) +
                  "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) + "\">";
  auto bars = [&](const histogram_data& d, const std::vector<double>& v, const char* cls) {
    for (std::size_t i = 0; i < v.size(); ++i) {
      double x0 = x_of(d.edges[i]), x1 = x_of(d.edges[i + 1]);
      double bh = v[i] / top * plot_h;
      s += "<rect class=\"";
      s += cls;
      s += "\" x=\"" + detail::fmt(x0) + "\" y=\"" + detail::fmt(plot_h - bh) + "\" width=\"" +
           detail::fmt(std::max(0.5, x1 - x0 - 1)) + "\" height=\"" + detail::fmt(bh) + "\"><title>" +
           escape(number(d.edges[i]) + " .. " + number(d.edges[i + 1]) + ": " + number(d.counts[i], 8)) + "</title></rect>";
    }
  };
  bars(h, cur, "current");
  if (baseline) bars(*baseline, base, "baseline");
  s += "<text x=\"0\" y=\"" + std::to_string(height - 3) + "\">" + escape(number(lo)) + "</text>";
  s += "<text x=\"" + std::to_string(width) + "\" y=\"" + std::to_string(height - 3) + "\" text-anchor=\"end\">" +
       escape(number(hi)) + "</text></svg>";
  return s;
}

/// Value counts of a categorical column as horizontal bars (class "current"; baseline counts as "baseline").
struct value_bar {
  std::string value;
  double count = 0;
  double baseline = std::numeric_limits<double>::quiet_NaN();
};
inline std::string svg_value_bars(const std::vector<value_bar>& bars, double total, double baseline_total = 0,
                                  int width = 260) {
  if (bars.empty()) return "<span class=\"muted\">no values</span>";
  const int row = 16, label_w = 90;
  int height = static_cast<int>(bars.size()) * row + 4;
  double top = 0;
  for (auto& b : bars) {
    top = std::max(top, total > 0 ? b.count / total : 0);
    if (!std::isnan(b.baseline) && baseline_total > 0) top = std::max(top, b.baseline / baseline_total);
  }
  if (top <= 0) top = 1;
  std::string s = "<svg class=\"value-counts bars\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) + "\">";
  for (std::size_t i = 0; i < bars.size(); ++i) {
    int y = static_cast<int>(i) * row + 2;
    std::string label = bars[i].value.size() > 14 ? bars[i].value.substr(0, 13) + "…" : bars[i].value;
    s += "<text x=\"0\" y=\"" + std::to_string(y + 11) + "\">" + escape(label) + "</text>";
    double w = (total > 0 ? bars[i].count / total : 0) / top * (width - label_w);
    s += "<rect class=\"current\" x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
         detail::fmt(w) + "\" height=\"6\"><title>" + escape(bars[i].value + ": " + number(bars[i].count, 10)) + "</title></rect>";
    if (!std::isnan(bars[i].baseline) && baseline_total > 0) {
      double bw = bars[i].baseline / baseline_total / top * (width - label_w);
      s += "<rect class=\"baseline\" x=\"" + std::to_string(label_w) + "\" y=\"" + std::to_string(y + 7) + "\" width=\"" +
           detail::fmt(bw) + "\" height=\"6\"><title>" + escape("baseline " + bars[i].value + ": " + number(bars[i].baseline, 10)) +
           "</title></rect>";
    }
  }
  return s + "</svg>";
}

/// A point of a figure over runs: x is the run's position (or time), label names the run.
struct series_point {
  double x = 0;
  double y = 0;
  std::string label;
  std::string href;
};

/// At most `max_points` points for drawing: the series cut into buckets, each keeping its lowest and highest
/// point (so spikes survive), in order. A series that fits is returned whole.
inline std::vector<series_point> downsample(const std::vector<series_point>& pts, std::size_t max_points) {
  if (pts.size() <= max_points || max_points < 4) return pts;
  std::vector<series_point> out;
  out.reserve(max_points);
  const std::size_t buckets = max_points / 2;
  for (std::size_t b = 0; b < buckets; ++b) {
    std::size_t i0 = b * pts.size() / buckets, i1 = (b + 1) * pts.size() / buckets;
    if (i0 >= i1) continue;
    std::size_t lo = i0, hi = i0;
    for (std::size_t i = i0; i < i1; ++i) {
      if (pts[i].y < pts[lo].y) lo = i;
      if (pts[i].y > pts[hi].y) hi = i;
    }
    out.push_back(pts[std::min(lo, hi)]);
    if (lo != hi) out.push_back(pts[std::max(lo, hi)]);
  }
  return out;
}

/// A line chart: one <circle class="point"> per point drawn, joined by a polyline.
inline std::string svg_line_chart(const std::vector<series_point>& pts, int width = 720, int height = 260) {
  if (pts.empty()) return "<p class=\"muted\">no values recorded</p>";
  double x0 = pts.front().x, x1 = pts.front().x, y0 = pts.front().y, y1 = pts.front().y;
  for (auto& p : pts) {
    x0 = std::min(x0, p.x), x1 = std::max(x1, p.x), y0 = std::min(y0, p.y), y1 = std::max(y1, p.y);
  }
  if (!(x1 > x0)) x1 = x0 + 1;
  if (!(y1 > y0)) {
    y0 -= 0.5;
    y1 += 0.5;
  }
  const double left = 60, right = 12, top = 10, bottom = 24;
  auto px = [&](double x) { return left + (x - x0) / (x1 - x0) * (width - left - right); };
  auto py = [&](double y) { return top + (1 - (y - y0) / (y1 - y0)) * (height - top - bottom); };
  std::string s = "<svg class=\"line-chart\" width=\"" + std::to_string(width) + "\" height=\"" + std::to_string(height) + "\">";
  s += "<line x1=\"" + detail::fmt(left) + "\" y1=\"" + detail::fmt(height - bottom) + "\" x2=\"" +
       detail::fmt(width - right) + "\" y2=\"" + detail::fmt(height - bottom) + "\" stroke=\"#999\"/>";
  s += "<text x=\"" + detail::fmt(left - 4) + "\" y=\"" + detail::fmt(top + 8) + "\" text-anchor=\"end\">" + escape(number(y1)) + "</text>";
  s += "<text x=\"" + detail::fmt(left - 4) + "\" y=\"" + detail::fmt(height - bottom) + "\" text-anchor=\"end\">" +
       escape(number(y0)) + "</text>";
  s += "<polyline fill=\"none\" stroke=\"#3b6fd6\" stroke-width=\"1.5\" points=\"";
  for (auto& p : pts) s += detail::fmt(px(p.x)) + "," + detail::fmt(py(p.y)) + " ";
  s += "\"/>";
  for (auto& p : pts) {
    std::string circle = "<circle class=\"point\" r=\"3\" fill=\"#3b6fd6\" cx=\"" + detail::fmt(px(p.x)) + "\" cy=\"" +
                         detail::fmt(py(p.y)) + "\"><title>" + escape(p.label + ": " + number(p.y, 6)) + "</title></circle>";
    s += p.href.empty() ? circle : "<a href=\"" + escape(p.href) + "\">" + circle + "</a>";
  }
  return s + "</svg>";
}

/// A heat map (a confusion matrix): rows and columns labelled, one <rect class="cell"> per cell.
inline std::string svg_heatmap(const std::vector<std::string>& labels, const std::vector<double>& cells) {
  const std::size_t n = labels.size();
  if (n == 0 || cells.size() != n * n) return "<span class=\"muted\">no matrix</span>";
  const int cell = 44, left = 90, top = 34;
  double hi = 0;
  for (double c : cells) hi = std::max(hi, c);
  if (hi <= 0) hi = 1;
  int w = left + static_cast<int>(n) * cell + 4, h = top + static_cast<int>(n) * cell + 4;
  std::string s = "<svg class=\"heatmap\" width=\"" + std::to_string(w) + "\" height=\"" + std::to_string(h) + "\">";
  s += "<text x=\"" + std::to_string(left) + "\" y=\"10\">predicted →</text>";
  for (std::size_t j = 0; j < n; ++j)
    s += "<text x=\"" + std::to_string(left + static_cast<int>(j) * cell + cell / 2) + "\" y=\"28\" text-anchor=\"middle\">" +
         escape(labels[j].substr(0, 8)) + "</text>";
  for (std::size_t i = 0; i < n; ++i) {
    int y = top + static_cast<int>(i) * cell;
    s += "<text x=\"" + std::to_string(left - 4) + "\" y=\"" + std::to_string(y + cell / 2 + 4) + "\" text-anchor=\"end\">" +
         escape(labels[i].substr(0, 12)) + "</text>";
    for (std::size_t j = 0; j < n; ++j) {
      double v = cells[i * n + j];
      int x = left + static_cast<int>(j) * cell;
      double a = 0.08 + 0.92 * v / hi;
      s += "<rect class=\"cell\" x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
           std::to_string(cell - 2) + "\" height=\"" + std::to_string(cell - 2) + "\" fill=\"#3b6fd6\" fill-opacity=\"" +
           detail::fmt(a) + "\"><title>" + escape("actual " + labels[i] + ", predicted " + labels[j] + ": " + number(v, 10)) +
           "</title></rect>";
      s += "<text x=\"" + std::to_string(x + cell / 2 - 1) + "\" y=\"" + std::to_string(y + cell / 2 + 3) +
           "\" text-anchor=\"middle\" fill=\"" + (a > 0.55 ? "#fff" : "#123") + "\">" + escape(number(v, 10)) + "</text>";
    }
  }
  return s + "</svg>";
}

}  // namespace mlpipe::ui
