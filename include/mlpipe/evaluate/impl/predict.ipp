// mlpipe/evaluate/impl/predict.ipp: bodies of evaluate/predict.hpp's non-template functions (the label encoding,
// predicting a table): compiled once into libmlpipe by src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/evaluate/predict.hpp>

#include <algorithm>
#include <charconv>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <mlpipe/train/block_source.hpp>

namespace mlpipe {

MLPIPE_DECL label_encoding label_encoding_of(const any_model& m, const table& t) {
  label_encoding e;
  e.label = m.label();
  e.classification = m.is_classifier();
  e.classes = m.classes();
  auto i = t.index_of(e.label);
  if (!i) throw model_error("the model's label column '" + e.label + "' is not in the table");
  if (e.classification && t.col(*i).kind() == column_kind::numeric) {
    for (const auto& c : e.classes) {
      double v = 0;
      auto r = std::from_chars(c.data(), c.data() + c.size(), v);
      if (r.ec != std::errc{} || r.ptr != c.data() + c.size())
        throw model_error("label '" + e.label + "' is numeric in this table, but the model's class '" + c +
                          "' is not a number");
      e.numeric_classes.push_back(v);
    }
  }
  return e;
}

MLPIPE_DECL predictions predict_table(const any_model& m, const transform_graph& g, const table& t, std::size_t block_rows) {
  if (g.width() != m.features())
    throw model_error("the transform gives " + std::to_string(g.width()) + " features but the model takes " +
                      std::to_string(m.features()) + " (were they trained together?)");
  auto enc = label_encoding_of(m, t);
  predictions p;
  p.task = !m.is_classifier() ? task_kind::regression
                              : (m.num_classes() == 2 ? task_kind::binary : task_kind::multiclass);
  p.classes = m.is_classifier() ? m.num_classes() : 0;
  p.class_names = m.classes();
  const std::size_t n = t.rows();
  if (t.rows() == 0) return p;
  fused_source src(t, g, enc, std::max<std::size_t>(1, block_rows));
  std::vector<double> out;
  if (p.task == task_kind::regression) {
    p.target.resize(n);
    p.value.resize(n);
  } else {
    p.label.resize(n);
    p.proba.resize(n * p.classes);
  }
  for (std::size_t b = 0; b < src.block_count(); ++b) {
    auto blk = src.block(b);
    const std::size_t r0 = blk.first_row, rows = blk.x.rows;
    if (p.task == task_kind::regression) {
      m.predict(blk.x, std::span<double>(p.value.data() + r0, rows));
      std::copy(blk.y.begin(), blk.y.end(), p.target.begin() + static_cast<std::ptrdiff_t>(r0));
    } else {
      m.predict_proba(blk.x, std::span<double>(p.proba.data() + r0 * p.classes, rows * p.classes));
      for (std::size_t r = 0; r < rows; ++r) p.label[r0 + r] = static_cast<int>(blk.y[r]);
    }
  }
  return p;
}

}  // namespace mlpipe
