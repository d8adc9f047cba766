// mlpipe/transform/fit_from_statistics.hpp: the default preprocessing (impute_mean | impute_most_frequent |
// standardize | one_hot) fitted from a split's mergeable statistics instead of its rows: data-parallel fitting.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/transform/transform_graph.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe {

/// fit_transform_graph(default_ops(), train, label, exclude, domains) computed from the train split's
/// statistics (e.g. merged over the ranks of a data-parallel run, each holding a shard): the same columns and
/// features. Numeric: mean imputation, then (x - mean) / sd with the population sd of the imputed column
/// (sqrt(M2 / rows), missing rows sitting at the mean), equal to the rows' fit to rounding. Categorical and
/// string: the most frequent value fills (ties: the smallest), one-hot over the domain (or the values seen).
/// Left out: default_ops' second numeric imputation (most frequent), which never fills anything after the
/// mean's. `columns` gives the output order (the table's column order).
MLPIPE_DECL transform_graph fit_default_transform_from_statistics(const split_statistics& train,
                                                                  const std::vector<std::string>& columns,
                                                                  std::string_view label,
                                                                  const std::vector<std::string>& exclude = {},
                                                                  const category_domains& domains = {});

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/fit_from_statistics.ipp>
#endif
