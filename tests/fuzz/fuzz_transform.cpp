// Fuzz target "transform": transform_graph::from_json either refuses a file (transform_error) or gives a graph
// that transforms rows of a table with its input columns (present, missing, extreme values, unseen categories)
// into exactly width() values per row.
#include <limits>
#include <vector>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(transform) {
  using namespace mlpipe;
  auto g = fuzz::load_or_refuse<transform_error>(
      data, size, [](auto& j) { return transform_graph::from_json(j, "transform_graph.json"); });
  if (!g) return 0;
  if (g->width() > (1u << 16)) return 0;
  (void)g->feature_names();
  constexpr std::size_t rows = 5;
  table t;
  for (const auto& c : g->columns) {
    if (c.input_kind == column_kind::numeric) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      t.add(column::numeric(c.column, {0.0, -1e300, 1e300, nan, 3.5}));
    } else {
      std::vector<std::optional<std::string>> v = {"a", std::nullopt, "unseen", c.vocabulary.empty() ? "b" : c.vocabulary[0],
                                                   c.fill};
      t.add(c.input_kind == column_kind::categorical ? column::categorical(c.column, v) : column::strings(c.column, v));
    }
  }
  // a canary past the end catches a write beyond the block even where ASan's redzone would not
  std::vector<double> out(rows * g->width() + 1, 0.0);
  out.back() = 42.0;
  try {
    bound_transform b(*g, t);
    (void)b(table_view(t), std::span(out.data(), rows * g->width()));
  } catch (const transform_error&) {  // a non-finite feature (no imputation, log1p of -1e300...) is refused
  }
  if (out.back() != 42.0) fuzz::broken("transform: wrote past the feature block");
  return 0;
}
