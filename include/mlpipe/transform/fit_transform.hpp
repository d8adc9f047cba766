// mlpipe/transform/fit_transform.hpp: the `fit_transform` stage: fits a composition of ops on the train split
// and returns the TransformGraph that training, evaluation and serving apply unchanged.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>


#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/inputs.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/transform/ops.hpp>
#include <mlpipe/transform/transform_graph.hpp>
#include <mlpipe/validate/schema.hpp>

namespace mlpipe {

/// Allowed categories by column name (a Schema's domains, see schema_domains()).
using category_domains = std::map<std::string, std::vector<std::string>, std::less<>>;

/// Fits `ops` on `train` (every column but `label` and `exclude`). Numeric columns get the numeric ops;
/// categorical columns are one-hot encoded (or hashed by feature_hash) even when the composition names no
/// encoder; string columns are used only under feature_hash or when `domains` gives them a domain (otherwise
/// skipped: free text is not a feature). A column in `domains` takes its one-hot vocabulary from there.
template <class... Ops>
transform_graph fit_transform_graph(const transform_ops<Ops...>& ops, const table& train, std::string_view label,
                                    const std::vector<std::string>& exclude = {},
                                    const category_domains& domains = {}) {
  if (train.rows() == 0) throw transform_error("fit_transform: the train split has no rows");
  transform_graph g;
  g.label = std::string(label);
  g.ops = ops;
  for (const column& col : train.columns()) {
    if (col.name() == label) continue;
    if (std::find(exclude.begin(), exclude.end(), col.name()) != exclude.end()) continue;
    detail::fit_column f;
    f.col = &col;
    f.plan.column = col.name();
    f.plan.input_kind = col.kind();
    if (auto d = domains.find(col.name()); d != domains.end() && col.kind() != column_kind::numeric)
      f.domain = &d->second;
    // feature hashing claims its columns first, so `one_hot | feature_hash` and `feature_hash | one_hot` agree
    ops.for_each([&](const auto& op) {
      if constexpr (std::is_same_v<std::remove_cvref_t<decltype(op)>, feature_hash_op>) op.fit(f);
    });
    if (col.kind() == column_kind::string && !f.encoded && !f.domain) continue;
    ops.for_each([&](const auto& op) {
      if (op.selects(col.name())) op.fit(f);
    });
    if (!f.numeric() && !f.encoded) one_hot_op{}.fit(f);  // categories: one-hot by default
    g.columns.push_back(std::move(f.plan));
  }
  g.finalize();
  if (g.width() == 0) throw transform_error("fit_transform: no feature columns (only the label, or all excluded)");
  return g;
}

namespace detail {
MLPIPE_DECL void record_fitted(const transform_graph& g, std::size_t train_rows, context& ctx, const std::string& how);
}  // namespace detail

/// The domains of a schema's categorical and string columns (columns without a domain are left out).
MLPIPE_DECL category_domains schema_domains(const schema& s);

/// Stage "fit_transform": examples [+ Schema] -> TransformGraph, fitted on the train split only.
///   mp::node<"transform">(mp::fit_transform{mp::impute_mean | mp::standardize | mp::one_hot}) << mp::from<"examples">
///   mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples", "schema">
/// With the optional `schema` input, each one-hot vocabulary is the column's domain in the schema (as TFX
/// Transform reads its schema): every allowed value gets a feature even when the train split lacks it, values
/// outside the domain go to the out-of-vocabulary slot, and a string column with a domain is one-hot encoded
/// too, so the feature layout follows the schema, not one span's data. Without it, the train split's values.
template <class Ops = default_transform_ops>
struct fit_transform {
  Ops ops = default_ops();
  std::vector<std::string> exclude;  // columns that are not features (ids, leaks)
  bool missing_as_nan = false;       // missing numeric values not imputed reach the model as NaN (XGBoost)
  MLPIPE_PARAMETERS(ops, exclude, missing_as_nan);
  MLPIPE_INPUTS(examples, schema);

  static constexpr std::string_view name = "fit_transform";
  static constexpr int version = 1;

  transform_graph operator()(const examples& in, optional_input<schema> sch, context& ctx) const {
    const category_domains domains = sch ? schema_domains(*sch) : category_domains{};
    auto g = fit_transform_graph(ops, in.train, in.label, exclude, domains);
    g.missing_as_nan = missing_as_nan;
    if (sch) ctx.record("schema_domains", domains.size());
    detail::record_fitted(g, in.train.rows(), ctx,
                          sch ? ", vocabularies from " + std::to_string(domains.size()) + " schema domains" : "");
    return g;
  }
};

template <class Ops>
fit_transform(Ops) -> fit_transform<Ops>;
template <class Ops>
fit_transform(Ops, std::vector<std::string>) -> fit_transform<Ops>;

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/fit_transform.ipp>
#endif
