// mlpipe/transform/impl/fit_transform.ipp: bodies of transform/fit_transform.hpp's non-template functions (the stage's
// record, schema domains): compiled once into libmlpipe by src/transform.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/fit_transform.hpp>

#include <string>

namespace mlpipe {

MLPIPE_DECL void detail::record_fitted(const transform_graph& g, std::size_t train_rows, context& ctx,
                                      const std::string& how) {
  ctx.record("input_columns", g.columns.size());
  ctx.record("features", g.width());
  ctx.log("fitted " + std::to_string(g.columns.size()) + " columns into " + std::to_string(g.width()) +
          " features on " + std::to_string(train_rows) + " train rows" + how);
}

MLPIPE_DECL category_domains schema_domains(const schema& s) {
  category_domains d;
  for (const auto& c : s.columns)
    if (!c.is_numeric() && c.domain) d.emplace(c.name, *c.domain);
  return d;
}

}  // namespace mlpipe
