// mlpipe/validate/impl/anomalies.ipp: bodies of validate/anomalies.hpp's non-template functions (compiled once into libmlpipe by
// src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/anomalies.hpp>

#include <algorithm>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL std::uint64_t anomalies::fingerprint() const { return detail::json_fingerprint(to_json(), 0x616e6f6dULL); }


MLPIPE_DECL anomaly_kind anomaly_kind_from_string(std::string_view s) {
  for (int i = 0; i <= static_cast<int>(anomaly_kind::drift); ++i)
    if (to_string(static_cast<anomaly_kind>(i)) == s) return static_cast<anomaly_kind>(i);
  throw std::invalid_argument("unknown anomaly kind '" + std::string(s) + "'");
}

MLPIPE_DECL nlohmann::ordered_json anomalies::to_json() const {
  nlohmann::ordered_json j;
  j["format"] = "mlpipe.anomalies";
  j["version"] = 1;
  j["data"] = data;
  j["rows"] = rows;
  j["baseline"] = baseline;
  j["anomaly_count"] = items.size();
  j["anomalies"] = nlohmann::ordered_json::array();
  for (auto& a : items) {
    nlohmann::ordered_json ja;
    ja["kind"] = std::string(to_string(a.kind));
    ja["column"] = a.column;
    ja["description"] = a.description;
    ja["counts"] = nlohmann::ordered_json::object();
    for (auto& [k, v] : a.counts) ja["counts"][k] = std::isfinite(v) ? nlohmann::ordered_json(v) : nullptr;
    j["anomalies"].push_back(std::move(ja));
  }
  return j;
}

MLPIPE_DECL anomalies anomalies::from_json(const nlohmann::json& j) {
  if (!j.is_object() || j.value("format", "") != "mlpipe.anomalies")
    throw std::runtime_error("not mlpipe anomalies (\"format\" is not \"mlpipe.anomalies\")");
  anomalies a;
  a.data = j.at("data").get<std::string>();
  a.rows = j.at("rows").get<std::uint64_t>();
  a.baseline = j.at("baseline").get<std::string>();
  for (auto& ja : j.at("anomalies")) {
    anomaly x;
    x.kind = anomaly_kind_from_string(ja.at("kind").get<std::string>());
    x.column = ja.at("column").get<std::string>();
    x.description = ja.at("description").get<std::string>();
    for (auto& [k, v] : ja.at("counts").items())
      x.counts.emplace_back(k, v.is_null() ? std::nan("") : v.get<double>());
    a.items.push_back(std::move(x));
  }
  return a;
}

MLPIPE_DECL void anomalies::save(const std::filesystem::path& dir) const { detail::write_json_file(dir / "anomalies.json", to_json()); }

MLPIPE_DECL anomalies anomalies::load(const std::filesystem::path& dir) {
  return detail::load_json_file(dir / "anomalies.json", "is this an ExampleAnomalies directory?",
                                [](const nlohmann::json& j) { return from_json(j); });
}

MLPIPE_DECL std::string anomalies::to_text() const {
  std::string out;
  std::string what = (data.empty() ? std::string("data") : data) + " (" + std::to_string(rows) + " rows)" +
                     (baseline.empty() ? "" : ", drift against " + baseline);
  if (items.empty()) return "no anomalies in " + what + "\n";
  out += std::to_string(items.size()) + (items.size() == 1 ? " anomaly" : " anomalies") + " in " + what + ":\n";
  std::size_t wk = 4, wc = 6;
  for (auto& a : items) {
    wk = std::max(wk, to_string(a.kind).size());
    wc = std::max(wc, a.column.size());
  }
  for (auto& a : items)
    out += "  " + detail::pad(std::string(to_string(a.kind)), wk, false) + "  " +
           detail::pad(a.column.empty() ? "-" : a.column, wc, false) + "  " + a.description + "\n";
  return out;
}

MLPIPE_DECL std::string detail::pct(double share) {
  char b[32];
  std::snprintf(b, sizeof b, share != 0 && std::abs(share) < 0.001 ? "%.3g%%" : "%.2f%%", share * 100);
  return b;
}

MLPIPE_DECL bool detail::text_kinds(column_kind a, column_kind b) {
  return a != column_kind::numeric && b != column_kind::numeric;
}

MLPIPE_DECL anomalies find_anomalies(const split_statistics& data, const schema& s, const split_statistics* baseline, std::size_t histogram_buckets) {
  using detail::fmt_num;
  using detail::pct;
  anomalies out;
  out.data = data.name;
  out.rows = data.rows;
  if (baseline) out.baseline = baseline->name + " (" + std::to_string(baseline->rows) + " rows)";
  auto add = [&](anomaly_kind k, std::string col, std::string desc, std::vector<std::pair<std::string, double>> c) {
    out.items.push_back({k, std::move(col), std::move(desc), std::move(c)});
  };
  auto d = [](std::uint64_t v) { return static_cast<double>(v); };

  if (data.rows < s.min_rows)
    add(anomaly_kind::too_few_rows, "",
        std::to_string(data.rows) + " rows, the schema requires at least " + std::to_string(s.min_rows),
        {{"rows", d(data.rows)}, {"min_rows", d(s.min_rows)}});

  for (auto& cs : s.columns) {
    const column_statistics* c = data.find(cs.name);
    if (!c) {
      add(anomaly_kind::missing_column, cs.name,
          "column is in the schema (" + std::string(to_string(cs.type)) + ") but not in the data", {});
      continue;
    }
    if (c->kind() != cs.type && !detail::text_kinds(c->kind(), cs.type)) {
      add(anomaly_kind::type_mismatch, cs.name,
          "column is " + std::string(to_string(c->kind())) + ", the schema says " + std::string(to_string(cs.type)),
          {});
      continue;
    }
    const double rows = d(c->rows());
    if (c->rows() > 0 && c->presence() < cs.min_presence)
      add(anomaly_kind::low_presence, cs.name,
          std::to_string(c->missing()) + " of " + std::to_string(c->rows()) + " rows missing: present in " +
              pct(c->presence()) + ", the schema requires " + pct(cs.min_presence),
          {{"missing", d(c->missing())}, {"rows", rows}, {"presence", c->presence()}, {"min_presence", cs.min_presence}});

    if (cs.is_numeric()) {
      if (c->nan_count() > 0 && !cs.allow_nan)
        add(anomaly_kind::nan_values, cs.name,
            std::to_string(c->nan_count()) + " NaN values (" + pct(d(c->nan_count()) / std::max(1.0, rows)) +
                " of rows); the schema does not allow NaN",
            {{"nan", d(c->nan_count())}, {"rows", rows}});
      if (c->inf_count() > 0 && !cs.allow_inf)
        add(anomaly_kind::inf_values, cs.name,
            std::to_string(c->inf_count()) + " infinite values; the schema does not allow them",
            {{"inf", d(c->inf_count())}, {"rows", rows}});
      if (c->finite() > 0 && ((cs.min && c->min() < *cs.min) || (cs.max && c->max() > *cs.max))) {
        double lo = cs.min ? *cs.min : -INFINITY, hi = cs.max ? *cs.max : INFINITY;
        double n_out = c->count_outside(lo, hi);
        bool exact = c->sketch().is_exact();
        n_out = std::max(n_out, 1.0);  // min/max are exact: at least one value is outside
        add(anomaly_kind::out_of_range, cs.name,
            (exact ? "" : "about ") + fmt_num(std::round(n_out)) + (std::round(n_out) == 1 ? " value (" : " values (") + pct(n_out / d(c->finite())) +
                ") outside the schema range [" + fmt_num(lo) + ", " + fmt_num(hi) + "]; observed [" +
                fmt_num(c->min()) + ", " + fmt_num(c->max()) + "]",
            {{"values", std::round(n_out)},
             {"share", n_out / d(c->finite())},
             {"observed_min", c->min()},
             {"observed_max", c->max()},
             {"schema_min", lo},
             {"schema_max", hi}});
      }
      if (c->finite() > 0) {
        double share = c->outlier_share(cs.outlier_cut);
        if (share > cs.max_outlier_share) {
          double med = c->median(), mad = c->mad();
          add(anomaly_kind::outliers, cs.name,
              pct(share) + " of values have a robust z-score above " + fmt_num(cs.outlier_cut) + " (median " +
                  fmt_num(med) + ", MAD " + fmt_num(mad) + "), allowed " + pct(cs.max_outlier_share),
              {{"values", std::round(share * d(c->finite()))},
               {"share", share},
               {"allowed_share", cs.max_outlier_share},
               {"cut", cs.outlier_cut},
               {"median", med},
               {"mad", mad}});
        }
      }
    } else if (cs.domain && c->present() > 0) {
      std::uint64_t inside = 0;
      for (auto& v : *cs.domain) inside += c->values().count(v);
      std::uint64_t unexpected = c->present() - inside;
      double share = d(unexpected) / d(c->present());
      if (unexpected > 0 && share > cs.max_unexpected_share) {
        std::string examples;
        std::size_t distinct_unexpected = 0;
        for (auto& v : c->values().all()) {
          if (std::find(cs.domain->begin(), cs.domain->end(), v.value) != cs.domain->end()) continue;
          if (distinct_unexpected++ < 5)
            examples += (examples.empty() ? "" : ", ") + ("'" + v.value + "' (" + std::to_string(v.count) + ")");
        }
        if (distinct_unexpected > 5) examples += ", ...";
        add(anomaly_kind::unexpected_category, cs.name,
            std::to_string(unexpected) + " values (" + pct(share) + ") outside the domain of " +
                std::to_string(cs.domain->size()) + " values, allowed " + pct(cs.max_unexpected_share) + ": " +
                examples,
            {{"values", d(unexpected)},
             {"share", share},
             {"allowed_share", cs.max_unexpected_share},
             {"distinct_unexpected", static_cast<double>(distinct_unexpected)}});
      }
    }

    if (baseline) {
      const column_statistics* b = baseline->find(cs.name);
      if (b && (b->kind() == c->kind() || detail::text_kinds(b->kind(), c->kind()))) {
        if (cs.is_numeric()) {
          double js = js_divergence(*c, *b, histogram_buckets);
          if (js > cs.max_js_divergence)
            add(anomaly_kind::drift, cs.name,
                "Jensen-Shannon divergence " + fmt_num(js) + " from the baseline exceeds " +
                    fmt_num(cs.max_js_divergence) + " (mean " + fmt_num(b->mean()) + " -> " + fmt_num(c->mean()) +
                    ", std_dev " + fmt_num(b->std_dev()) + " -> " + fmt_num(c->std_dev()) + ")",
                {{"js_divergence", js}, {"threshold", cs.max_js_divergence}, {"baseline_mean", b->mean()},
                 {"mean", c->mean()}});
        } else {
          std::string worst;
          double linf = l_infinity_distance(c->values(), b->values(), &worst);
          if (linf > cs.max_l_infinity) {
            auto freq = [&](const column_statistics& x) {
              return x.present() ? d(x.values().count(worst)) / d(x.present()) : 0.0;
            };
            add(anomaly_kind::drift, cs.name,
                "L-infinity distance " + fmt_num(linf) + " from the baseline exceeds " + fmt_num(cs.max_l_infinity) +
                    " (value '" + worst + "': " + pct(freq(*b)) + " -> " + pct(freq(*c)) + ")",
                {{"l_infinity", linf}, {"threshold", cs.max_l_infinity}, {"baseline_frequency", freq(*b)},
                 {"frequency", freq(*c)}});
          }
        }
      }
    }
  }

  for (auto& c : data.columns)
    if (!s.find(c.name()))
      add(anomaly_kind::new_column, c.name(),
          "column (" + std::string(to_string(c.kind())) + ", " + std::to_string(c.present()) +
              " values) is not in the schema",
          {{"present", d(c.present())}});
  return out;
}

MLPIPE_DECL anomalies validate::operator()(const example_statistics& stats, const schema& s, context& ctx) const {
  split_statistics current;
  bool first = true;
  std::string label;
  for (auto& n : splits) {
    auto sp = stats.split(n);
    if (!sp) continue;
    if (first) { current = *sp; first = false; }
    else current.merge(*sp);
    label += (label.empty() ? "" : "+") + n;
  }
  if (first) throw std::invalid_argument("validate: the statistics have none of the splits asked for");
  current.name = label;
  const split_statistics* base = check_drift ? stats.split(baseline_split) : nullptr;
  auto out = find_anomalies(current, s, base, stats.options.histogram_buckets);
  ctx.record("anomalies", out.size());
  ctx.record("rows", static_cast<std::size_t>(current.rows));
  // each anomaly as a figure "KIND COLUMN" (the first ten), so a run's report and the store name them
  for (std::size_t k = 0; k < out.items.size() && k < 10; ++k)
    ctx.record(std::string(to_string(out.items[k].kind)) + " " + out.items[k].column, out.items[k].description);
  if (!out.empty()) ctx.log(out.to_text());
  return out;
}

}  // namespace mlpipe
