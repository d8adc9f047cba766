// mlpipe/deploy/impl/folded_model.ipp: bodies of deploy/folded_model.hpp's non-template functions (compiled
// once into libmlpipe by src/deploy.cpp, or inline with MLPIPE_HEADER_ONLY). The hot loops (sweep, sigmoid)
// stay in the header, where their vector clones are declared.
#pragma once

#include <mlpipe/deploy/folded_model.hpp>

namespace mlpipe {

MLPIPE_DECL std::optional<folded_model> folded_model::fold(const transform_graph& g, const model& m) {
  if (g.width() != m.features || m.bias.size() != m.outputs || m.weights.size() != m.features * m.outputs)
    return std::nullopt;
  folded_model f;
  f.kind_ = m.kind;
  f.k_ = m.outputs;
  f.terms_ = g.columns.size();
  f.w_.assign(f.terms_ * f.k_, 0.0);
  f.b_ = m.bias;
  for (std::size_t j = 0; j < g.columns.size(); ++j) {
    const auto& c = g.columns[j];
    const auto af = c.as_affine();
    if (!af) return std::nullopt;
    f.names_.push_back(c.column);
    f.fill_.push_back(af->fill);
    for (std::size_t o = 0; o < f.k_; ++o) {
      const double w = m.weights[c.offset * f.k_ + o];
      f.w_[j * f.k_ + o] = w * af->scale;
      f.b_[o] += af->shift * w;  // in column order, the same for every row
    }
  }
  return f;
}

MLPIPE_DECL bool folded_model::decision_function(const table_view& v, std::span<double> z) const {
  std::vector<const double*> src;
  if (!bind(v, src)) return false;
  return scores(src, v.rows(), z.data());
}

MLPIPE_DECL bool folded_model::predict_proba(const table_view& v, std::span<double> out) const {
  std::vector<const double*> src;
  if (kind_ == model_kind::linear || !bind(v, src)) return false;
  const std::size_t n = v.rows();
  if (kind_ == model_kind::softmax) {  // scores in place, then each row's softmax
    if (!scores(src, n, out.data())) return false;
    for (std::size_t r = 0; r < n; ++r) detail::softmax_inplace(out.data() + r * k_, k_);
    return true;
  }
  double p[chunk_values];
  return chunked(src, n, [&](const double* z, std::size_t r0, std::size_t m) {
    sigmoid(z, p, m);
    double* o = out.data() + 2 * r0;
    for (std::size_t r = 0; r < m; ++r) {
      o[2 * r] = 1.0 - p[r];
      o[2 * r + 1] = p[r];
    }
  });
}

MLPIPE_DECL bool folded_model::predict(const table_view& v, std::span<double> out) const {
  std::vector<const double*> src;
  if (!bind(v, src)) return false;
  return chunked(src, v.rows(), [&](const double* z, std::size_t r0, std::size_t m) {
    double* o = out.data() + r0;
    if (kind_ == model_kind::linear) std::copy(z, z + m, o);
    else if (kind_ == model_kind::logistic)
      for (std::size_t r = 0; r < m; ++r) o[r] = z[r] > 0 ? 1.0 : 0.0;
    else
      for (std::size_t r = 0; r < m; ++r)
        o[r] = static_cast<double>(std::max_element(z + r * k_, z + (r + 1) * k_) - (z + r * k_));
  });
}

MLPIPE_DECL bool folded_model::bind(const table_view& v, std::vector<const double*>& src) const {
  src.resize(terms_);
  for (std::size_t j = 0; j < terms_; ++j) {
    auto i = v.index_of(names_[j]);
    if (!i) return false;
    auto cv = v.col(*i);
    if (cv.kind() != column_kind::numeric) return false;
    src[j] = cv.values().data();
  }
  return true;
}

}  // namespace mlpipe
