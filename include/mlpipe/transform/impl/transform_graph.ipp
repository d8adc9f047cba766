// mlpipe/transform/impl/transform_graph.ipp: bodies of transform/transform_graph.hpp's non-template functions that
// are not on the hot path (JSON, files, names): compiled once into libmlpipe by src/transform.cpp, or inline with
// MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

MLPIPE_DECL void transform_graph::finalize() {
  std::size_t off = 0;
  for (auto& c : columns) {
    c.offset = off;
    off += c.width();
  }
  width_ = off;
}

MLPIPE_DECL std::vector<std::string> transform_graph::feature_names() const {
  std::vector<std::string> n;
  n.reserve(width_);
  for (auto& c : columns) {
    switch (c.encoding) {
      case feature_encoding::value: n.push_back(c.column); break;
      case feature_encoding::one_hot:
        for (auto& v : c.vocabulary) n.push_back(c.column + "=" + v);
        n.push_back(c.column + "=<oov>");
        break;
      case feature_encoding::bucket_one_hot:
        for (std::size_t i = 0; i < c.slots; ++i) n.push_back(c.column + "[bucket " + std::to_string(i) + "]");
        break;
      case feature_encoding::hashed:
        for (std::size_t i = 0; i < c.slots; ++i) n.push_back(c.column + "#" + std::to_string(i));
        break;
    }
  }
  return n;
}

MLPIPE_DECL std::vector<std::string> transform_graph::input_columns() const {
  std::vector<std::string> v;
  for (auto& c : columns) v.push_back(c.column);
  return v;
}

MLPIPE_DECL nlohmann::json transform_graph::to_json() const {
  nlohmann::json cols = nlohmann::json::array();
  for (auto& c : columns) {
    nlohmann::json j{{"column", c.column},
                     {"input_kind", std::string(to_string(c.input_kind))},
                     {"encoding", std::string(to_string(c.encoding))}};
    nlohmann::json steps = nlohmann::json::array();
    for (auto& s : c.steps) {
      nlohmann::json sj{{"kind", std::string(to_string(s.kind))}, {"a", s.a}, {"b", s.b}};
      if (s.kind == numeric_step_kind::bucketize) sj["boundaries"] = s.boundaries;
      if (s.kind == numeric_step_kind::user) sj["name"] = s.name;
      steps.push_back(std::move(sj));
    }
    j["steps"] = std::move(steps);
    if (c.encoding == feature_encoding::one_hot) j["vocabulary"] = c.vocabulary;
    if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed)
      j["slots"] = c.slots;
    if (c.has_fill) j["fill"] = c.fill;
    cols.push_back(std::move(j));
  }
  nlohmann::json out = {{"format", "mlpipe.transform_graph"}, {"version", format_version}, {"label", label},
                        {"ops", ops},  {"width", width_},          {"columns", std::move(cols)}};
  if (missing_as_nan) out["missing_as_nan"] = true;  // absent when false: older graphs keep their fingerprint
  return out;
}

MLPIPE_DECL transform_graph transform_graph::from_json(const nlohmann::json& j, const std::string& where) {
  if (!detail::json_format_is(j, "mlpipe.transform_graph"))
    throw transform_error(where + ": not an mlpipe transform graph (\"format\" is not \"mlpipe.transform_graph\")");
  if (detail::json_version(j) != format_version)
    throw transform_error(where + ": transform graph format version " +
                          detail::json_version_shown(j) +
                          " is not supported (this mlpipe reads version " + std::to_string(format_version) + ")");
  using detail::json_field;
  using E = transform_error;
  transform_graph g;
  g.label = json_field<std::string, E>(j, "label", where);
  g.ops = j.value("ops", nlohmann::json::array());
  if (j.contains("missing_as_nan")) {
    if (!j["missing_as_nan"].is_boolean()) throw E(where + ": \"missing_as_nan\" must be true or false");
    g.missing_as_nan = j["missing_as_nan"].get<bool>();
  }
  const auto& cols = detail::json_array<E>(j, "columns", where);
  for (std::size_t i = 0; i < cols.size(); ++i) {
    const auto& cj = cols[i];
    const std::string at = where + ": columns[" + std::to_string(i) + "]";
    if (!cj.is_object()) throw E(at + " must be an object");
    column_transform c;
    c.column = json_field<std::string, E>(cj, "column", at);
    c.input_kind = kind_from(json_field<std::string, E>(cj, "input_kind", at), at);
    c.encoding = encoding_from(json_field<std::string, E>(cj, "encoding", at), at);
    const auto& steps = detail::json_array<E>(cj, "steps", at);
    for (std::size_t k = 0; k < steps.size(); ++k) {
      const auto& sj = steps[k];
      const std::string st = at + ".steps[" + std::to_string(k) + "]";
      if (!sj.is_object()) throw E(st + " must be an object");
      numeric_step s;
      s.kind = step_from(json_field<std::string, E>(sj, "kind", st), st);
      s.a = json_field<double, E>(sj, "a", st);
      s.b = json_field<double, E>(sj, "b", st);
      if (s.kind == numeric_step_kind::bucketize) s.boundaries = json_field<std::vector<double>, E>(sj, "boundaries", st);
      if (s.kind == numeric_step_kind::user) {
        s.name = json_field<std::string, E>(sj, "name", st);
        s.apply = find_step(s.name);
      }
      c.steps.push_back(std::move(s));
    }
    if (c.encoding == feature_encoding::one_hot) c.vocabulary = json_field<std::vector<std::string>, E>(cj, "vocabulary", at);
    if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed)
      c.slots = detail::json_count<E>(cj, "slots", at, max_slots);
    if (cj.contains("fill")) {
      c.has_fill = true;
      c.fill = json_field<std::string, E>(cj, "fill", at);
    }
    g.columns.push_back(std::move(c));
  }
  g.validate(where);
  g.finalize();
  if (j.contains("width") && detail::json_count<E>(j, "width", where, max_width) != g.width_)
    throw transform_error(where + ": width " + detail::json_excerpt(j["width"]) + " does not match its columns (" +
                          std::to_string(g.width_) + ")");
  return g;
}

MLPIPE_DECL void transform_graph::save(const std::filesystem::path& dir) const {
  detail::write_json_file<transform_error>(dir / "transform_graph.json", to_json(), 1);
}

MLPIPE_DECL transform_graph transform_graph::load(const std::filesystem::path& dir) {
  auto file = dir / "transform_graph.json";
  return from_json(detail::read_json_file<transform_error>(file, "is this a TransformGraph artifact directory?"),
                   file.string());
}

MLPIPE_DECL column_kind transform_graph::kind_from(const std::string& s, const std::string& where) {
  if (s == "numeric") return column_kind::numeric;
  if (s == "categorical") return column_kind::categorical;
  if (s == "string") return column_kind::string;
  throw transform_error(where + ": unknown column kind '" + s + "'");
}

MLPIPE_DECL feature_encoding transform_graph::encoding_from(const std::string& s, const std::string& where) {
  for (auto e : {feature_encoding::value, feature_encoding::bucket_one_hot, feature_encoding::one_hot,
                 feature_encoding::hashed})
    if (to_string(e) == s) return e;
  throw transform_error(where + ": unknown feature encoding '" + s + "'");
}

MLPIPE_DECL numeric_step_kind transform_graph::step_from(const std::string& s, const std::string& where) {
  for (auto k : {numeric_step_kind::impute, numeric_step_kind::log1p, numeric_step_kind::clip,
                 numeric_step_kind::affine, numeric_step_kind::bucketize, numeric_step_kind::user})
    if (to_string(k) == s) return k;
  throw transform_error(where + ": unknown numeric step '" + s + "'");
}

}  // namespace mlpipe
