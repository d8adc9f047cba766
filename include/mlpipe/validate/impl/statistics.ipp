// mlpipe/validate/impl/statistics.ipp: bodies of validate/statistics.hpp's non-template functions (compiled
// once into libmlpipe by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/statistics.hpp>

#include <cmath>
#include <cstdio>
#include <limits>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL std::string serialize_statistics(const split_statistics& s) {
  statistics_options all;
  all.kept_values = std::numeric_limits<std::size_t>::max();
  all.quantiles = {};
  all.histogram_buckets = 1;
  nlohmann::json cols = nlohmann::json::array();
  for (auto& c : s.columns) cols.push_back(c.to_json(all));
  auto bytes = nlohmann::json::to_cbor(nlohmann::json{{"name", s.name}, {"rows", s.rows}, {"columns", cols}});
  return {bytes.begin(), bytes.end()};
}

MLPIPE_DECL split_statistics deserialize_statistics(const std::string& bytes) {
  auto j = nlohmann::json::from_cbor(bytes);
  split_statistics s;
  s.name = j.at("name").get<std::string>();
  s.rows = j.at("rows").get<std::uint64_t>();
  for (auto& c : j.at("columns")) s.columns.push_back(column_statistics::from_json(c));
  return s;
}

MLPIPE_DECL split_statistics merge_statistics(const collective& c, split_statistics local, bool everywhere) {
  auto parts = c.gather(serialize_statistics(local), 0);
  std::string merged;
  if (c.is_root()) {
    for (std::size_t r = 1; r < parts.size(); ++r) local.merge(deserialize_statistics(parts[r]));
    if (everywhere) merged = serialize_statistics(local);
  }
  if (!everywhere) return local;
  merged = c.broadcast(std::move(merged), 0);
  return c.is_root() ? local : deserialize_statistics(merged);
}

MLPIPE_DECL void statistics_builder::add(const table_view& block) {
  prepare(block);
  split_.rows += block.rows();
  detail::parallel_for(block.num_columns(), threads_, [&](std::size_t i) { split_.columns[i].add(block.col(i)); });
}

MLPIPE_DECL void statistics_builder::add(const table& t, std::size_t block_rows) {
  table_view all(t);
  prepare(all);
  split_.rows += t.rows();
  block_rows = std::max<std::size_t>(block_rows, 1);
  detail::parallel_for(t.num_columns(), threads_, [&](std::size_t i) {
    split_.columns[i].expect_rows(split_.rows);
    for (std::size_t b = 0; b < t.rows(); b += block_rows)
      split_.columns[i].add(column_view(t.col(i), b, std::min(t.rows(), b + block_rows)));
  });
}

MLPIPE_DECL void statistics_builder::expect_rows(std::uint64_t n) {
  expected_ = std::max(expected_, n);
  for (auto& c : split_.columns) c.expect_rows(expected_);
}

MLPIPE_DECL void statistics_builder::prepare(const table_view& block) {
  if (split_.columns.empty() && split_.rows == 0) {
    for (std::size_t i = 0; i < block.num_columns(); ++i) {
      auto c = block.col(i);
      split_.columns.emplace_back(c.name(), c.kind(), sketch_k_);
      split_.columns.back().expect_rows(expected_);
    }
    return;
  }
  if (block.num_columns() != split_.columns.size())
    throw std::invalid_argument("statistics of '" + split_.name + "': a block has " +
                                std::to_string(block.num_columns()) + " columns, earlier blocks had " +
                                std::to_string(split_.columns.size()));
  for (std::size_t i = 0; i < block.num_columns(); ++i)
    if (block.col(i).name() != split_.columns[i].name())
      throw std::invalid_argument("statistics of '" + split_.name + "': column " + std::to_string(i) + " is '" +
                                  block.col(i).name() + "', earlier blocks had '" + split_.columns[i].name() + "'");
}

MLPIPE_DECL std::string detail::shown_value(std::string_view v, std::size_t max) {
  std::string s;
  const bool cut = v.size() > max;
  if (cut) {
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(v[n]) & 0xC0) == 0x80) --n;  // not inside a character
    v = v.substr(0, n);
  }
  s.reserve(v.size() + 3);
  for (char c : v) s += static_cast<unsigned char>(c) < 0x20 || c == 0x7F ? '?' : c;
  if (cut) s += "...";
  return s;
}

MLPIPE_DECL statistics_options statistics::options() const {
  statistics_options o;
  o.histogram_buckets = histogram_buckets;
  o.top_k = top_k;
  o.kept_values = kept_values;
  o.sketch_k = sketch_k;
  return o;
}

MLPIPE_DECL void split_statistics::merge(const split_statistics& o) {
  rows += o.rows;
  for (auto& oc : o.columns) {
    auto it = std::find_if(columns.begin(), columns.end(), [&](auto& c) { return c.name() == oc.name(); });
    if (it == columns.end()) columns.push_back(oc);
    else it->merge(oc);
  }
}

MLPIPE_DECL const split_statistics& example_statistics::at(std::string_view name) const {
  if (auto s = split(name)) return *s;
  std::string have;
  for (auto& s : splits) have += (have.empty() ? "" : ", ") + s.name;
  throw std::out_of_range("statistics have no split '" + std::string(name) + "' (splits: " + have + ")");
}

MLPIPE_DECL nlohmann::json example_statistics::to_json() const {
  nlohmann::json js = nlohmann::json::array();
  for (auto& s : splits) {
    nlohmann::json cols = nlohmann::json::array();
    for (auto& c : s.columns) cols.push_back(c.to_json(options));
    js.push_back({{"name", s.name}, {"rows", s.rows}, {"columns", cols}});
  }
  return {{"format", "mlpipe.statistics"},
          {"version", 1},
          {"options",
           {{"histogram_buckets", options.histogram_buckets},
            {"top_k", options.top_k},
            {"kept_values", options.kept_values},
            {"quantiles", options.quantiles},
            {"sketch_k", options.sketch_k}}},
          {"splits", js}};
}

MLPIPE_DECL example_statistics example_statistics::from_json(const nlohmann::json& j) {
  if (!detail::json_format_is(j, "mlpipe.statistics"))
    throw std::runtime_error("not mlpipe statistics (\"format\" is not \"mlpipe.statistics\")");
  if (detail::json_version(j) != 1)
    throw std::runtime_error("unsupported statistics version " + detail::json_version_shown(j));
  example_statistics s;
  const auto& o = j.at("options");
  s.options.histogram_buckets = o.at("histogram_buckets").get<std::size_t>();
  s.options.top_k = o.at("top_k").get<std::size_t>();
  s.options.kept_values = o.at("kept_values").get<std::size_t>();
  s.options.quantiles = o.at("quantiles").get<std::vector<double>>();
  s.options.sketch_k = o.at("sketch_k").get<std::uint32_t>();
  for (auto& js : j.at("splits")) {
    split_statistics sp;
    sp.name = js.at("name").get<std::string>();
    sp.rows = js.at("rows").get<std::uint64_t>();
    for (auto& jc : js.at("columns")) sp.columns.push_back(column_statistics::from_json(jc));
    s.splits.push_back(std::move(sp));
  }
  return s;
}

MLPIPE_DECL void example_statistics::save(const std::filesystem::path& dir) const { detail::write_json_file(dir / "statistics.json", to_json(), 1); }

MLPIPE_DECL example_statistics example_statistics::load(const std::filesystem::path& dir) {
  return detail::load_json_file(dir / "statistics.json", "is this an ExampleStatistics directory?",
                                [](const nlohmann::json& j) { return from_json(j); });
}

MLPIPE_DECL std::uint64_t example_statistics::fingerprint() const { return detail::json_fingerprint(to_json(), 0x7374617473ULL); }

MLPIPE_DECL std::string detail::fmt_num(double v) {
  if (std::isnan(v)) return "-";
  char b[32];
  std::snprintf(b, sizeof b, "%.6g", v);
  return b;
}

MLPIPE_DECL std::string detail::pad(std::string s, std::size_t w, bool right) {
  if (s.size() >= w) return right ? " " + s : s + " ";
  return right ? std::string(w - s.size(), ' ') + s : s + std::string(w - s.size(), ' ');
}

MLPIPE_DECL std::string example_statistics::to_text() const {
  using detail::fmt_num;
  using detail::pad;
  std::string out;
  for (auto& s : splits) {
    out += "split " + s.name + ": " + std::to_string(s.rows) + " rows, " + std::to_string(s.columns.size()) +
           " columns\n";
    std::size_t w = 6;
    for (auto& c : s.columns) w = std::max(w, detail::shown_value(c.name()).size());
    bool header = false;
    for (auto& c : s.columns) {
      if (!c.is_numeric()) continue;
      if (!header) {
        out += "  " + pad("numeric", w, false) + pad("present", 9) + pad("missing", 8) + pad("mean", 12) +
               pad("std_dev", 12) + pad("min", 12) + pad("median", 12) + pad("max", 12) + pad("zeros", 8) +
               pad("nan/inf", 9) + "\n";
        header = true;
      }
      out += "  " + pad(detail::shown_value(c.name()), w, false) + pad(std::to_string(c.present()), 9) +
             pad(std::to_string(c.missing()), 8) + pad(fmt_num(c.mean()), 12) + pad(fmt_num(c.std_dev()), 12) +
             pad(fmt_num(c.min()), 12) + pad(fmt_num(c.median()), 12) + pad(fmt_num(c.max()), 12) +
             pad(std::to_string(c.zeros()), 8) +
             pad(std::to_string(c.nan_count()) + "/" + std::to_string(c.inf_count()), 9) + "\n";
    }
    header = false;
    for (auto& c : s.columns) {
      if (c.is_numeric()) continue;
      if (!header) {
        out += "  " + pad("categorical/string", w, false) + pad("present", 9) + pad("missing", 8) +
               pad("distinct", 9) + pad("avg_len", 8) + "  top values\n";
        header = true;
      }
      std::string top;
      for (auto& v : c.top(std::min<std::size_t>(options.top_k, 5)))
        top += (top.empty() ? "" : ", ") + detail::shown_value(v.value) + " (" + std::to_string(v.count) + ")";
      if (c.distinct() > 5) top += ", ...";
      out += "  " + pad(detail::shown_value(c.name()), w, false) + pad(std::to_string(c.present()), 9) +
             pad(std::to_string(c.missing()), 8) + pad(std::to_string(c.distinct()), 9) +
             pad(fmt_num(c.average_length()), 8) + "  " + top + "\n";
    }
  }
  return out;
}

MLPIPE_DECL split_statistics compute_statistics(const table& t, std::string split_name, const statistics_options& opt, std::size_t threads, std::size_t block_rows) {
  statistics_builder b(std::move(split_name), opt.sketch_k, threads);
  b.add(t, block_rows);
  return std::move(b).finish();
}

MLPIPE_DECL example_statistics statistics::operator()(const examples& in, context& ctx) const {
  example_statistics out;
  out.options = options();
  auto threads = std::max<std::size_t>(1, ctx.threads());
  // Data-parallel (ctx.collective()): rank k summarizes rows [k n / N, (k+1) n / N) of each split and the
  // accumulators are merged, equal to one process's statistics of the whole split.
  const collective* cl = ctx.collective();
  auto split = [&](const table& t, const char* name) {
    if (!cl) return compute_statistics(t, name, out.options, threads, block_rows);
    const auto n = t.rows(), N = static_cast<std::size_t>(cl->size()), k = static_cast<std::size_t>(cl->rank());
    statistics_builder b(name, out.options.sketch_k, threads);
    const std::size_t lo = n * k / N, hi = n * (k + 1) / N;
    block_rows_loop(b, t, lo, hi);
    return merge_statistics(*cl, std::move(b).finish());
  };
  out.splits.push_back(split(in.train, "train"));
  out.splits.push_back(split(in.eval, "eval"));
  if (in.baseline) out.splits.push_back(split(*in.baseline, "baseline"));
  ctx.record("train_rows", static_cast<std::size_t>(in.train.rows()));
  ctx.record("eval_rows", static_cast<std::size_t>(in.eval.rows()));
  ctx.record("columns", static_cast<std::size_t>(in.train.num_columns()));
  if (in.baseline) ctx.record("baseline_rows", static_cast<std::size_t>(in.baseline->rows()));
  return out;
}

MLPIPE_DECL void statistics::block_rows_loop(statistics_builder& b, const table& t, std::size_t lo, std::size_t hi) const {
  const std::size_t step = std::max<std::size_t>(block_rows, 1);
  if (lo == hi) b.add(t.view(lo, hi));  // an empty share still names the columns
  for (std::size_t r = lo; r < hi; r += step) b.add(t.view(r, std::min(hi, r + step)));
}

}  // namespace mlpipe
