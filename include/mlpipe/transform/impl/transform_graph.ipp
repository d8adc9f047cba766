// mlpipe/transform/impl/transform_graph.ipp: bodies of transform/transform_graph.hpp's non-template functions (JSON,
// files, validation, binding, the block transform): in libmlpipe by src/transform.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/transform_graph.hpp>

#include <mlpipe/core/json_file.hpp>

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

MLPIPE_DECL void register_step(std::string_view name, step_function f) {
  auto& r = detail::step_registry::instance();
  std::lock_guard<std::mutex> lock(r.m);
  auto it = r.steps.find(name);
  if (it == r.steps.end()) r.steps.emplace(std::string(name), f);
  else if (it->second != f)
    throw std::invalid_argument("register_step: the step name '" + std::string(name) +
                                "' is already registered with another kernel");
}

MLPIPE_DECL step_function find_step(std::string_view name) {
  auto& r = detail::step_registry::instance();
  std::lock_guard<std::mutex> lock(r.m);
  auto it = r.steps.find(name);
  return it == r.steps.end() ? nullptr : it->second;
}

MLPIPE_DECL std::optional<column_transform::affine_form> column_transform::as_affine() const noexcept {
  if (input_kind != column_kind::numeric || encoding != feature_encoding::value) return std::nullopt;
  affine_form f;
  std::size_t i = 0;
  for (; i < steps.size() && steps[i].kind == numeric_step_kind::impute; ++i)
    if (f.fill != f.fill) f.fill = steps[i].a;
  if (i < steps.size() && steps[i].kind == numeric_step_kind::affine) f.scale = steps[i].a, f.shift = steps[i].b, ++i;
  if (i != steps.size()) return std::nullopt;
  return f;
}

MLPIPE_DECL void transform_graph::validate(const std::string& where) const {
  std::uint64_t width = 0;
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const auto& c = columns[i];
    auto fail = [&](const std::string& why) {
      throw transform_error(where + ": column '" + c.column + "' (columns[" + std::to_string(i) + "]): " + why);
    };
    for (std::size_t k = 0; k < i; ++k)
      if (columns[k].column == c.column) fail("the column comes twice");
    const bool numeric = c.input_kind == column_kind::numeric;
    const auto enc = std::string(to_string(c.encoding));
    if (numeric && c.encoding != feature_encoding::value && c.encoding != feature_encoding::bucket_one_hot)
      fail("a numeric column is encoded as \"value\" or \"bucket_one_hot\", not \"" + enc + "\"");
    if (!numeric && c.encoding != feature_encoding::one_hot && c.encoding != feature_encoding::hashed)
      fail("a " + std::string(to_string(c.input_kind)) + " column is encoded as \"one_hot\" or \"hashed\", not \"" +
           enc + "\"");
    if (!numeric && !c.steps.empty()) fail("numeric steps on a " + std::string(to_string(c.input_kind)) + " column");
    if (c.has_fill && numeric) fail("a text \"fill\" on a numeric column");
    const numeric_step* last_bucketize = nullptr;
    for (const auto& s : c.steps) {
      if (s.kind == numeric_step_kind::user && !s.apply)
        fail("the user step '" + s.name + "' is not registered in this program (register_op<" + s.name +
             ">() or register_step(\"" + s.name + "\", kernel) before loading)");
      if (s.kind != numeric_step_kind::bucketize) continue;
      last_bucketize = &s;
      for (std::size_t k = 0; k < s.boundaries.size(); ++k)
        if (!std::isfinite(s.boundaries[k]) || (k > 0 && !(s.boundaries[k - 1] < s.boundaries[k])))
          fail("bucketize boundaries must be finite and strictly ascending");
    }
    if (c.encoding == feature_encoding::bucket_one_hot || c.encoding == feature_encoding::hashed) {
      if (c.slots == 0 || c.slots > max_slots)
        fail(std::to_string(c.slots) + " slots (from 1 to " + std::to_string(max_slots) + ")");
    }
    if (c.encoding == feature_encoding::bucket_one_hot &&
        (!last_bucketize || c.slots != last_bucketize->boundaries.size() + 1))
      fail("\"bucket_one_hot\" needs a bucketize step with slots - 1 boundaries");
    if (c.encoding == feature_encoding::one_hot && c.vocabulary.size() >= max_slots)
      fail("a vocabulary of " + std::to_string(c.vocabulary.size()) + " values (at most " +
           std::to_string(max_slots - 1) + ")");
    width += c.width();
    if (width > max_width) fail("more than " + std::to_string(max_width) + " features in all");
  }
}

MLPIPE_DECL std::uint64_t transform_graph::fingerprint() const {
  return detail::json_fingerprint(to_json(), 0x7866726dULL);
}

MLPIPE_DECL bound_transform::bound_transform(const transform_graph& g, const table& t) : g_(&g), t_(&t) {
  cols_.reserve(g.columns.size());
  for (auto& c : g.columns) {
    auto idx = t.index_of(c.column);
    if (!idx) {
      std::string have;
      for (auto& n : t.names()) have += (have.empty() ? "" : ", ") + n;
      throw transform_error("the transform needs column '" + c.column + "', which the table does not have (columns: " +
                            have + ")");
    }
    const column& col = t.col(*idx);
    bound b;
    b.index = *idx;
    b.kind = col.kind();
    bool want_numeric = c.input_kind == column_kind::numeric;
    if (want_numeric != (col.kind() == column_kind::numeric))
      throw transform_error("column '" + c.column + "' was " + std::string(to_string(c.input_kind)) +
                            " when the transform was fitted, but is " + std::string(to_string(col.kind())) + " here");
    b.missing_slot = npos;
    if (c.encoding == feature_encoding::one_hot) {
      std::unordered_map<std::string_view, std::uint32_t> slot;
      for (std::uint32_t i = 0; i < c.vocabulary.size(); ++i) slot.emplace(c.vocabulary[i], i);
      auto oov = static_cast<std::uint32_t>(c.vocabulary.size());
      auto lookup = [&](std::string_view v) {
        auto it = slot.find(v);
        return it == slot.end() ? oov : it->second;
      };
      b.missing_slot = c.has_fill ? lookup(c.fill) : oov;
      if (col.kind() == column_kind::categorical) {
        auto& dict = col.dictionary();
        b.remap.resize(dict.size());
        for (std::size_t k = 0; k < dict.size(); ++k) b.remap[k] = lookup(dict[k]);
      } else {
        b.lookup.reserve(c.vocabulary.size());
        for (std::uint32_t i = 0; i < c.vocabulary.size(); ++i) b.lookup.emplace(c.vocabulary[i], i);
        b.oov = oov;
      }
    } else if (c.encoding == feature_encoding::hashed) {
      b.missing_slot = c.has_fill ? static_cast<std::uint32_t>(detail::hash_slot(c.fill, c.slots)) : npos;
      if (col.kind() == column_kind::categorical) {
        auto& dict = col.dictionary();
        b.remap.resize(dict.size());
        for (std::size_t k = 0; k < dict.size(); ++k)
          b.remap[k] = static_cast<std::uint32_t>(detail::hash_slot(dict[k], c.slots));
      }
    }
    b.fast = classify(c);
    cols_.push_back(std::move(b));
    if (c.encoding != feature_encoding::value) any_one_hot_ = true;
  }
  find_affine_features();
}

MLPIPE_DECL feature_block bound_transform::operator()(const table_view& block, std::span<double> out) const {
  const std::size_t n = block.rows(), W = width();
  if (&block.base() != t_)
    throw transform_error("bound_transform: the block is a view of another table; bind the transform to it first");
  if (out.size() < n * W)
    throw transform_error("transform: output buffer holds " + std::to_string(out.size()) + " values, the block needs " +
                          std::to_string(n * W));
  double* o = out.data();
  if (any_one_hot_) std::fill(o, o + n * W, 0.0);
  std::uint64_t bad = 0;
  // Numeric columns on a fast path (copy, impute, affine, impute + affine) go row tile by row tile: each
  // column writes its strided slots into a tile of the output that is still in L1. Per-column constants
  // are gathered once per block so the tile loop costs only the element work.
  simple_.clear();
  for (std::size_t j = 0; j < cols_.size(); ++j) {
    const column_transform& c = g_->columns[j];
    const bound& b = cols_[j];
    column_view cv = block.col(b.index);
    if (b.kind == column_kind::numeric && b.fast != fast_path::general) {
      simple_column sc{cv.values().data(), c.offset, b.fast, 0.0, 1.0, 0.0};
      if (b.fast == fast_path::impute || b.fast == fast_path::impute_affine) sc.fill = c.steps[0].a;
      if (b.fast == fast_path::affine) sc.a = c.steps[0].a, sc.k = c.steps[0].b;
      if (b.fast == fast_path::impute_affine) sc.a = c.steps[1].a, sc.k = c.steps[1].b;
      simple_.push_back(sc);
    } else if (b.kind == column_kind::numeric) {
      bad |= numeric(c, b, cv.values().data(), n, o + c.offset, W);
    } else {
      categorical(c, b, cv, 0, n, o + c.offset, W);
    }
  }
  const std::size_t tile = std::clamp<std::size_t>(256 / std::max<std::size_t>(W, 1), 8, 64);  // measured best
  for (std::size_t t0 = 0; t0 < n; t0 += tile) {
    const std::size_t t1 = std::min(n, t0 + tile);
    for (const simple_column& sc : simple_) {
      const double* src = sc.src;
      double* dst = o + sc.offset;
      const double f = sc.fill, a = sc.a, k = sc.k;
      switch (sc.fast) {
        case fast_path::copy:
          for (std::size_t r = t0; r < t1; ++r) {
            const double v = src[r];
            dst[r * W] = v;
          }
          break;
        case fast_path::affine:
          for (std::size_t r = t0; r < t1; ++r) {
            const double v = src[r] * a + k;
            dst[r * W] = v;
          }
          break;
        default:  // impute, impute + affine (a = 1, k = 0 for impute alone)
          for (std::size_t r = t0; r < t1; ++r) {
            const double v = (src[r] != src[r] ? f : src[r]) * a + k;
            dst[r * W] = v;
          }
          break;
      }
    }
  }
  // validate: one pass over the block while it is in cache (x * 0 is 0 for finite x, NaN otherwise)
  if (bad || detail::any_non_finite(o, n * W)) report_non_finite(block, out);  // returns only for kept NaNs
  return {o, n, W};
}

MLPIPE_DECL void bound_transform::find_affine_features() {
  affine_.clear();
  for (std::size_t j = 0; j < cols_.size(); ++j) {
    auto a = cols_[j].kind == column_kind::numeric ? g_->columns[j].as_affine() : std::nullopt;
    if (!a) {
      affine_.clear();
      return;
    }
    affine_.push_back(affine_feature{cols_[j].index, a->scale, a->shift});
  }
}

MLPIPE_DECL bound_transform::fast_path bound_transform::classify(const column_transform& c) {
  if (c.encoding != feature_encoding::value) return fast_path::general;
  auto& s = c.steps;
  using K = numeric_step_kind;
  if (s.empty()) return fast_path::copy;
  if (s.size() == 1 && s[0].kind == K::affine) return fast_path::affine;
  if (s.size() == 1 && s[0].kind == K::impute) return fast_path::impute;
  if (s.size() == 2 && s[0].kind == K::impute && s[1].kind == K::affine) return fast_path::impute_affine;
  return fast_path::general;
}

MLPIPE_DECL std::uint64_t bound_transform::numeric(const column_transform& c, const bound& b, const double* src,
                                                std::size_t n, double* dst, std::size_t W) const {
  std::uint64_t bad = 0;
  switch (b.fast) {
    case fast_path::copy:
      for (std::size_t r = 0; r < n; ++r) {
        double v = src[r];
        bad |= detail::non_finite(v);
        dst[r * W] = v;
      }
      return bad;
    case fast_path::affine: {
      const double a = c.steps[0].a, k = c.steps[0].b;
      for (std::size_t r = 0; r < n; ++r) {
        double v = src[r] * a + k;
        bad |= detail::non_finite(v);
        dst[r * W] = v;
      }
      return bad;
    }
    case fast_path::impute: {
      const double f = c.steps[0].a;
      for (std::size_t r = 0; r < n; ++r) {
        double v = src[r] != src[r] ? f : src[r];
        bad |= detail::non_finite(v);
        dst[r * W] = v;
      }
      return bad;
    }
    case fast_path::impute_affine: {
      const double f = c.steps[0].a, a = c.steps[1].a, k = c.steps[1].b;
      for (std::size_t r = 0; r < n; ++r) {
        double v = (src[r] != src[r] ? f : src[r]) * a + k;
        bad |= detail::non_finite(v);
        dst[r * W] = v;
      }
      return bad;
    }
    case fast_path::general: break;
  }
  scratch_.assign(src, src + n);
  double* x = scratch_.data();
  for (auto& s : c.steps) detail::apply_step(s, x, n);
  if (c.encoding == feature_encoding::value) {
    for (std::size_t r = 0; r < n; ++r) {
      bad |= detail::non_finite(x[r]);
      dst[r * W] = x[r];
    }
  } else {  // bucket_one_hot
    for (std::size_t r = 0; r < n; ++r) {
      if (x[r] != x[r]) {
        bad = 1;
        continue;
      }
      // clamped before the conversion (out of range it is undefined); validate() guarantees slots >= 1
      const double top = static_cast<double>(c.slots - 1);
      auto slot = static_cast<std::size_t>(x[r] < 0.0 ? 0.0 : x[r] > top ? top : x[r]);
      dst[r * W + slot] = 1.0;
    }
  }
  return bad;
}

MLPIPE_DECL void bound_transform::categorical(const column_transform& c, const bound& b, const column_view& cv,
                                             std::size_t t0, std::size_t t1, double* dst, std::size_t W) const {
  const std::size_t n = t1 - t0;
  if (b.kind == column_kind::categorical) {
    const std::uint32_t* codes = cv.codes().data() + t0;
    for (std::size_t r = 0; r < n; ++r) {
      auto code = codes[r];
      auto slot = code == column::missing_code ? b.missing_slot : b.remap[code];
      if (slot != npos) dst[r * W + slot] = 1.0;
    }
    return;
  }
  // string column: look each value up (or hash it)
  for (std::size_t r = 0; r < n; ++r) {
    std::uint32_t slot;
    if (!cv.is_valid(t0 + r)) {
      slot = b.missing_slot;
    } else if (c.encoding == feature_encoding::hashed) {
      slot = static_cast<std::uint32_t>(detail::hash_slot(cv.str(t0 + r), c.slots));
    } else {
      auto it = b.lookup.find(std::string(cv.str(t0 + r)));
      slot = it == b.lookup.end() ? b.oov : it->second;
    }
    if (slot != npos) dst[r * W + slot] = 1.0;
  }
}

MLPIPE_DECL void bound_transform::report_non_finite(const table_view& block, std::span<const double> out) const {
  const std::size_t W = width();
  for (std::size_t r = 0; r < block.rows(); ++r)
    for (const auto& c : g_->columns) {
      if (c.input_kind != column_kind::numeric) continue;
      double v = c.encoding == feature_encoding::value ? out[r * W + c.offset]
                                                       : detail::apply_steps_one(c.steps, block.col(c.column).values()[r]);
      if (!detail::non_finite(v)) continue;
      double in = block.col(c.column).values()[r];
      if (g_->missing_as_nan && std::isnan(in) && std::isnan(v)) continue;  // a missing value kept as NaN
      std::string why = std::isnan(in) ? "the value is missing and the transform does not impute it (add impute_mean)"
                        : std::isinf(in) ? "the value is infinite"
                                         : "the value " + block.col(c.column).text(r) + " gives " +
                                               (std::isnan(v) ? "NaN" : "an infinity") + " (e.g. log1p of a value below -1)";
      throw transform_error("row " + std::to_string(block.offset() + r) + ", column '" + c.column +
                            "': feature is not finite: " + why);
    }
  if (!g_->missing_as_nan) throw transform_error("transform: a feature is not finite");
}

MLPIPE_DECL bound_transform transform_graph::bind(const table& t) const { return bound_transform(*this, t); }

MLPIPE_DECL void transform_graph::transform(const table_view& block, std::span<double> out) const {
  bound_transform(*this, block.base())(block, out);
}

}  // namespace mlpipe
