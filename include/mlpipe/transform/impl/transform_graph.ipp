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
      steps.push_back(std::move(sj));
    }
    j["steps"] = std::move(steps);
    if (c.encoding == feature_encoding::one_hot) j["vocabulary"] = c.vocabulary;
    if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed)
      j["slots"] = c.slots;
    if (c.has_fill) j["fill"] = c.fill;
    cols.push_back(std::move(j));
  }
  return {{"format", "mlpipe.transform_graph"}, {"version", format_version}, {"label", label},
          {"ops", ops},  {"width", width_},          {"columns", std::move(cols)}};
}

MLPIPE_DECL transform_graph transform_graph::from_json(const nlohmann::json& j, const std::string& where) {
  if (!j.is_object() || j.value("format", "") != "mlpipe.transform_graph")
    throw transform_error(where + ": not an mlpipe transform graph (\"format\" is not \"mlpipe.transform_graph\")");
  if (j.value("version", 0) != format_version)
    throw transform_error(where + ": transform graph format version " + j.value("version", nlohmann::json()).dump() +
                          " is not supported (this mlpipe reads version " + std::to_string(format_version) + ")");
  transform_graph g;
  try {
    g.label = j.at("label").get<std::string>();
    g.ops = j.value("ops", nlohmann::json::array());
    for (auto& cj : j.at("columns")) {
      column_transform c;
      c.column = cj.at("column").get<std::string>();
      c.input_kind = kind_from(cj.at("input_kind").get<std::string>(), where);
      c.encoding = encoding_from(cj.at("encoding").get<std::string>(), where);
      for (auto& sj : cj.at("steps")) {
        numeric_step s;
        s.kind = step_from(sj.at("kind").get<std::string>(), where);
        s.a = sj.at("a").get<double>();
        s.b = sj.at("b").get<double>();
        if (s.kind == numeric_step_kind::bucketize) s.boundaries = sj.at("boundaries").get<std::vector<double>>();
        c.steps.push_back(std::move(s));
      }
      if (c.encoding == feature_encoding::one_hot) c.vocabulary = cj.at("vocabulary").get<std::vector<std::string>>();
      if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed) {
        c.slots = cj.at("slots").get<std::size_t>();
        if (c.slots == 0) throw transform_error(where + ": column '" + c.column + "' has 0 slots");
      }
      if (cj.contains("fill")) {
        c.has_fill = true;
        c.fill = cj.at("fill").get<std::string>();
      }
      g.columns.push_back(std::move(c));
    }
  } catch (const nlohmann::json::exception& e) {
    throw transform_error(where + ": missing or wrong field: " + e.what());
  }
  g.finalize();
  if (j.contains("width") && j["width"].get<std::size_t>() != g.width_)
    throw transform_error(where + ": width " + j["width"].dump() + " does not match its columns (" +
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
                 numeric_step_kind::affine, numeric_step_kind::bucketize})
    if (to_string(k) == s) return k;
  throw transform_error(where + ": unknown numeric step '" + s + "'");
}

}  // namespace mlpipe
