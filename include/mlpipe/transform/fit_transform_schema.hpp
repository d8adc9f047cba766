// mlpipe/transform/fit_transform_schema.hpp: the `fit_transform_with_schema` stage: fit_transform that takes the
// one-hot vocabularies from the Schema's domains, so the feature layout follows the schema, not one span's data.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/schema.hpp>

namespace mlpipe {

/// The domains of a schema's categorical and string columns (columns without a domain are left out).
inline category_domains schema_domains(const schema& s) {
  category_domains d;
  for (const auto& c : s.columns)
    if (!c.is_numeric() && c.domain) d.emplace(c.name, *c.domain);
  return d;
}

/// Stage "fit_transform_with_schema": examples + Schema -> TransformGraph, fitted on the train split, with each
/// one-hot vocabulary taken from the column's domain in the schema (as TFX Transform reads its schema): every
/// allowed value gets a feature even when the train split lacks it, and values outside the domain go to the
/// out-of-vocabulary slot. A string column with a domain is one-hot encoded too.
///   mp::node<"transform">(mp::fit_transform_with_schema{}) << mp::from<"examples", "schema">
template <class Ops = default_transform_ops>
struct fit_transform_with_schema {
  Ops ops = default_ops();
  std::vector<std::string> exclude;  // columns that are not features (ids, leaks)
  MLPIPE_PARAMETERS(ops, exclude);

  static constexpr std::string_view name = "fit_transform_with_schema";
  static constexpr int version = 1;

  transform_graph operator()(const examples& in, const schema& s, context& ctx) const {
    auto domains = schema_domains(s);
    auto g = fit_transform_graph(ops, in.train, in.label, exclude, domains);
    ctx.record("schema_domains", domains.size());
    detail::record_fitted(g, in.train.rows(), ctx, ", vocabularies from " + std::to_string(domains.size()) + " schema domains");
    return g;
  }
};

template <class Ops>
fit_transform_with_schema(Ops) -> fit_transform_with_schema<Ops>;
template <class Ops>
fit_transform_with_schema(Ops, std::vector<std::string>) -> fit_transform_with_schema<Ops>;

}  // namespace mlpipe
