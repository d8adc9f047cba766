// mlpipe/validate/impl/schema.ipp: bodies of validate/schema.hpp's non-template functions (compiled once into libmlpipe by
// src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/schema.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <set>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

namespace detail {
/// Reads JSON fields with the path in every error: "file: columns[1] (\"age\").range.min: expected a number".
struct schema_reader {
  std::string where;

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw schema_error(where + ": " + path + ": " + what);
  }
  static std::string shown(const nlohmann::json& v) {
    return json_excerpt(v, 37);  // bounded and iterative, whatever the file nests
  }
  void only(const nlohmann::json& obj, const std::string& path, std::initializer_list<std::string_view> known) const {
    if (!obj.is_object()) fail(path, "expected an object, got " + shown(obj));
    for (auto& [k, v] : obj.items()) {
      if (std::find(known.begin(), known.end(), k) != known.end()) continue;
      std::string list;
      for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
      fail(path.empty() ? k : path + "." + k, "unknown field (known here: " + list + ")");
    }
  }
  const nlohmann::json* field(const nlohmann::json& obj, const std::string& key) const {
    auto it = obj.find(key);
    return it == obj.end() ? nullptr : &*it;
  }
  double number(const nlohmann::json& v, const std::string& path) const {
    if (!v.is_number()) fail(path, "expected a number, got " + shown(v));
    return v.get<double>();
  }
  double fraction(const nlohmann::json& v, const std::string& path) const {
    double d = number(v, path);
    if (!(d >= 0.0 && d <= 1.0)) fail(path, "expected a fraction in [0, 1], got " + shown(v));
    return d;
  }
  bool boolean(const nlohmann::json& v, const std::string& path) const {
    if (!v.is_boolean()) fail(path, "expected true or false, got " + shown(v));
    return v.get<bool>();
  }
  std::string text(const nlohmann::json& v, const std::string& path) const {
    if (!v.is_string()) fail(path, "expected a string, got " + shown(v));
    return v.get<std::string>();
  }
};
}  // namespace detail

MLPIPE_DECL schema schema::from_json(const nlohmann::ordered_json& j, const std::string& where) {
  return from_json(nlohmann::json::parse(j.dump()), where);
}

MLPIPE_DECL schema schema::load(const std::filesystem::path& dir) { return load_file(dir / "schema.json"); }

MLPIPE_DECL std::vector<std::string> default_current_splits() { return {"train", "eval"}; }

MLPIPE_DECL nlohmann::ordered_json schema::to_json() const {
  nlohmann::ordered_json cols = nlohmann::ordered_json::array();
  for (auto& c : columns) {
    nlohmann::ordered_json j;
    j["name"] = c.name;
    j["type"] = std::string(to_string(c.type));
    j["presence"]["required"] = c.required();
    j["presence"]["min_fraction"] = c.min_presence;
    if (c.is_numeric()) {
      if (c.min || c.max) {
        nlohmann::ordered_json r = nlohmann::ordered_json::object();
        if (c.min) r["min"] = *c.min;
        if (c.max) r["max"] = *c.max;
        j["range"] = r;
      }
      j["allow_nan"] = c.allow_nan;
      j["allow_inf"] = c.allow_inf;
      j["outliers"]["cut"] = c.outlier_cut;
      j["outliers"]["max_share"] = c.max_outlier_share;
      j["drift"]["js_divergence"] = c.max_js_divergence;
    } else {
      if (c.domain) j["domain"] = *c.domain;
      j["max_unexpected_share"] = c.max_unexpected_share;
      j["drift"]["l_infinity"] = c.max_l_infinity;
    }
    cols.push_back(std::move(j));
  }
  nlohmann::ordered_json out;
  out["format"] = "mlpipe.schema";
  out["version"] = 1;
  out["min_rows"] = min_rows;
  out["columns"] = std::move(cols);
  return out;
}

MLPIPE_DECL void schema::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  save_file(dir / "schema.json");
}

MLPIPE_DECL void schema::save_file(const std::filesystem::path& file) const {
  detail::write_text_file<schema_error>(file, to_json().dump(2) + '\n');
}

MLPIPE_DECL schema schema::load_file(const std::filesystem::path& file) {
  auto j = detail::read_json_file<schema_error>(file, "cannot open schema file");
  return from_json(j, file.string());
}

MLPIPE_DECL std::uint64_t schema::fingerprint() const {
  auto s = to_json().dump();
  return fingerprint_bytes(s.data(), s.size(), 0x736368656d61ULL);
}

MLPIPE_DECL std::string schema::to_text() const {
  std::string out = "schema: " + std::to_string(columns.size()) + " columns, at least " + std::to_string(min_rows) +
                    (min_rows == 1 ? " row\n" : " rows\n");
  std::size_t w = 4;
  for (auto& c : columns) w = std::max(w, c.name.size());
  for (auto& c : columns) {
    std::string line = "  " + detail::pad(c.name, w, false) + "  " + detail::pad(std::string(to_string(c.type)), 11, false) +
                       "  " + (c.required() ? std::string("required") : "present >= " + detail::fmt_num(c.min_presence));
    if (c.is_numeric()) {
      line += "  range [" + (c.min ? detail::fmt_num(*c.min) : std::string("-inf")) + ", " +
              (c.max ? detail::fmt_num(*c.max) : std::string("inf")) + "]";
      if (c.allow_nan) line += "  NaN allowed";
      if (c.allow_inf) line += "  Inf allowed";
      line += "  drift JS <= " + detail::fmt_num(c.max_js_divergence);
    } else {
      if (c.domain) {
        line += "  domain of " + std::to_string(c.domain->size()) + ":";
        for (std::size_t i = 0; i < c.domain->size() && i < 5; ++i) line += " " + (*c.domain)[i];
        if (c.domain->size() > 5) line += " ...";
      } else {
        line += "  free string";
      }
      line += "  drift L-inf <= " + detail::fmt_num(c.max_l_infinity);
    }
    out += line + "\n";
  }
  return out;
}

MLPIPE_DECL schema schema::from_json(const nlohmann::json& j, const std::string& where) {
  detail::schema_reader r{where};
  r.only(j, "", {"format", "version", "min_rows", "columns"});
  if (auto f = r.field(j, "format"); f && (!f->is_string() || *f != "mlpipe.schema"))
    r.fail("format", "expected \"mlpipe.schema\", got " + r.shown(*f));
  if (auto v = r.field(j, "version"); v && (!v->is_number_integer() || *v != 1))
    r.fail("version", "expected 1, got " + r.shown(*v));
  schema s;
  if (auto m = r.field(j, "min_rows")) {
    if (!m->is_number_integer() || m->get<std::int64_t>() < 0) r.fail("min_rows", "expected a count >= 0, got " + r.shown(*m));
    s.min_rows = m->get<std::uint64_t>();
  }
  auto cols = r.field(j, "columns");
  if (!cols) r.fail("columns", "missing (a list of column descriptions)");
  if (!cols->is_array()) r.fail("columns", "expected a list, got " + r.shown(*cols));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < cols->size(); ++i) {
    const auto& jc = (*cols)[i];
    std::string p = "columns[" + std::to_string(i) + "]";
    if (!jc.is_object()) r.fail(p, "expected an object, got " + r.shown(jc));
    column_schema c;
    auto name = r.field(jc, "name");
    if (!name) r.fail(p + ".name", "missing");
    c.name = r.text(*name, p + ".name");
    p += " (\"" + c.name + "\")";
    if (!seen.insert(c.name).second) r.fail(p + ".name", "column listed twice");
    auto type = r.field(jc, "type");
    if (!type) r.fail(p + ".type", "missing (numeric, categorical or string)");
    auto t = r.text(*type, p + ".type");
    if (t == "numeric") c.type = column_kind::numeric;
    else if (t == "categorical") c.type = column_kind::categorical;
    else if (t == "string") c.type = column_kind::string;
    else r.fail(p + ".type", "expected numeric, categorical or string, got \"" + t + "\"");
    if (c.is_numeric())
      r.only(jc, p, {"name", "type", "presence", "range", "allow_nan", "allow_inf", "outliers", "drift"});
    else
      r.only(jc, p, {"name", "type", "presence", "domain", "max_unexpected_share", "drift"});
    if (auto pr = r.field(jc, "presence")) {
      r.only(*pr, p + ".presence", {"required", "min_fraction"});
      bool req = false;
      if (auto q = r.field(*pr, "required")) req = r.boolean(*q, p + ".presence.required");
      c.min_presence = req ? 1.0 : 0.0;
      if (auto f = r.field(*pr, "min_fraction")) {
        double mf = r.fraction(*f, p + ".presence.min_fraction");
        if (req && mf < 1.0) r.fail(p + ".presence", "required is true but min_fraction is below 1 (make them agree)");
        c.min_presence = req ? 1.0 : mf;
      }
    }
    if (c.is_numeric()) {
      if (auto rg = r.field(jc, "range")) {
        r.only(*rg, p + ".range", {"min", "max"});
        if (auto v = r.field(*rg, "min"); v && !v->is_null()) c.min = r.number(*v, p + ".range.min");
        if (auto v = r.field(*rg, "max"); v && !v->is_null()) c.max = r.number(*v, p + ".range.max");
        if (c.min && c.max && *c.min > *c.max) r.fail(p + ".range", "min is greater than max");
      }
      if (auto v = r.field(jc, "allow_nan")) c.allow_nan = r.boolean(*v, p + ".allow_nan");
      if (auto v = r.field(jc, "allow_inf")) c.allow_inf = r.boolean(*v, p + ".allow_inf");
      if (auto o = r.field(jc, "outliers")) {
        r.only(*o, p + ".outliers", {"cut", "max_share"});
        if (auto v = r.field(*o, "cut")) {
          c.outlier_cut = r.number(*v, p + ".outliers.cut");
          if (!(c.outlier_cut > 0)) r.fail(p + ".outliers.cut", "expected a positive robust z-score");
        }
        if (auto v = r.field(*o, "max_share")) c.max_outlier_share = r.fraction(*v, p + ".outliers.max_share");
      }
      if (auto d = r.field(jc, "drift")) {
        r.only(*d, p + ".drift", {"js_divergence"});
        if (auto v = r.field(*d, "js_divergence")) c.max_js_divergence = r.fraction(*v, p + ".drift.js_divergence");
      }
    } else {
      if (auto d = r.field(jc, "domain"); d && !d->is_null()) {
        if (!d->is_array()) r.fail(p + ".domain", "expected a list of values, got " + r.shown(*d));
        std::vector<std::string> dom;
        for (std::size_t k = 0; k < d->size(); ++k)
          dom.push_back(r.text((*d)[k], p + ".domain[" + std::to_string(k) + "]"));
        c.domain = std::move(dom);
      }
      if (auto v = r.field(jc, "max_unexpected_share"))
        c.max_unexpected_share = r.fraction(*v, p + ".max_unexpected_share");
      if (auto d = r.field(jc, "drift")) {
        r.only(*d, p + ".drift", {"l_infinity"});
        if (auto v = r.field(*d, "l_infinity")) c.max_l_infinity = r.fraction(*v, p + ".drift.l_infinity");
      }
    }
    s.columns.push_back(std::move(c));
  }
  return s;
}

MLPIPE_DECL schema infer_schema_from(const split_statistics& st, std::size_t max_domain_size, double js_divergence, double l_infinity, double outlier_cut, double outlier_share_margin, double min_rows_fraction) {
  schema s;
  s.min_rows = std::max<std::uint64_t>(1, static_cast<std::uint64_t>(std::floor(min_rows_fraction *
                                                                                 static_cast<double>(st.rows))));
  for (auto& c : st.columns) {
    // Rounded down to 4 digits, so the data it came from passes and the file stays readable.
    const double presence = c.missing() == 0 ? 1.0 : std::floor(c.presence() * 1e4) / 1e4;
    column_schema cs;
    cs.name = c.name();
    cs.type = c.kind();
    cs.min_presence = presence;
    if (c.is_numeric()) {
      if (c.finite() > 0) {
        cs.min = c.min();
        cs.max = c.max();
      }
      cs.allow_nan = c.nan_count() > 0;
      cs.allow_inf = c.inf_count() > 0;
      cs.outlier_cut = outlier_cut;
      cs.max_outlier_share = std::min(1.0, std::ceil((c.outlier_share(outlier_cut) + outlier_share_margin) * 1e4) / 1e4);
      cs.max_js_divergence = js_divergence;
    } else {
      if (c.distinct() <= max_domain_size && !c.values().truncated()) {
        std::vector<std::string> dom;
        for (auto& v : c.values().all()) dom.push_back(v.value);
        std::sort(dom.begin(), dom.end());
        cs.domain = std::move(dom);
      }
      cs.max_l_infinity = l_infinity;
    }
    s.columns.push_back(std::move(cs));
  }
  return s;
}

MLPIPE_DECL schema infer_schema::operator()(const example_statistics& stats, context& ctx) const {
  split_statistics all;
  bool first = true;
  for (auto& name : splits) {
    auto s = stats.split(name);
    if (!s) continue;
    if (first) { all = *s; first = false; }
    else all.merge(*s);
  }
  if (first) throw std::invalid_argument("infer_schema: the statistics have none of the splits asked for");
  auto out = infer_schema_from(all, max_domain_size, js_divergence, l_infinity, outlier_cut, outlier_share_margin,
                               min_rows_fraction);
  ctx.record("columns", out.columns.size());
  std::size_t with_domain = 0;
  for (auto& c : out.columns) with_domain += c.domain.has_value();
  ctx.record("domains", with_domain);
  return out;
}

}  // namespace mlpipe
