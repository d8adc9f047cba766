// mlpipe/transform/impl/fit_from_statistics.ipp: body of transform/fit_from_statistics.hpp's default fit from
// statistics: compiled once into libmlpipe by src/transform.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/fit_from_statistics.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include <mlpipe/transform/ops.hpp>

namespace mlpipe {

MLPIPE_DECL transform_graph fit_default_transform_from_statistics(const split_statistics& train,
                                                                  const std::vector<std::string>& columns,
                                                                  std::string_view label,
                                                                  const std::vector<std::string>& exclude,
                                                                  const category_domains& domains) {
  if (train.rows == 0) throw transform_error("fit_transform: the train split has no rows");
  transform_graph g;
  g.label = std::string(label);
  g.ops = default_ops();
  for (const auto& name : columns) {
    if (name == label || std::find(exclude.begin(), exclude.end(), name) != exclude.end()) continue;
    const column_statistics* cs = train.find(name);
    if (!cs) throw transform_error("fit_transform: no statistics for column '" + name + "'");
    column_transform t;
    t.column = name;
    t.input_kind = cs->kind();
    if (cs->is_numeric()) {
      const auto& m = cs->raw_moments();
      const double mean = m.count ? m.mean : 0.0;
      const double rows = static_cast<double>(m.count + cs->missing());
      const double sd = rows > 0 ? std::sqrt(m.m2 / rows) : 0.0;
      const double scale = sd > 0 ? 1.0 / sd : 1.0;
      t.steps.push_back({numeric_step_kind::impute, mean, 0.0, {}});
      t.steps.push_back({numeric_step_kind::affine, scale, -mean * scale, {}});
    } else {
      auto d = domains.find(name);
      if (cs->kind() == column_kind::string && d == domains.end()) continue;  // free text is not a feature
      std::uint64_t best = 0;
      for (auto& v : cs->values().all())  // by count descending, then value ascending: the first is the fill
        if (v.count > best) best = v.count, t.fill = v.value;
      t.has_fill = best > 0;
      t.encoding = feature_encoding::one_hot;
      std::vector<std::string> vocab;
      if (d != domains.end()) vocab = d->second;
      else
        for (auto& v : cs->values().all()) vocab.push_back(v.value);
      std::sort(vocab.begin(), vocab.end());
      vocab.erase(std::unique(vocab.begin(), vocab.end()), vocab.end());
      t.vocabulary = std::move(vocab);
    }
    g.columns.push_back(std::move(t));
  }
  g.finalize();
  if (g.width() == 0) throw transform_error("fit_transform: no feature columns (only the label, or all excluded)");
  return g;
}

}  // namespace mlpipe
