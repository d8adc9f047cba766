// mlpipe/transform/xtensor_op.hpp: your own element-wise preprocessing step, written as an xtensor expression
// over a block's column; it composes with `|` and runs inside the fused chain like a built-in op.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include <xtensor/xadapt.hpp>
#include <xtensor/xmath.hpp>
#include <xtensor/xnoalias.hpp>

#include <mlpipe/transform/ops.hpp>

namespace mlpipe {

namespace detail {
/// What xtensor_op hands the user's expression: the block's column (after the earlier steps) as a 1-D
/// xtensor adaptor over its values, no copy.
using column_adaptor = decltype(xt::adapt(static_cast<double*>(nullptr), std::size_t{0}, xt::no_ownership(),
                                          std::array<std::size_t, 1>{}));
}  // namespace detail

/// Base of a user's element-wise op (CRTP). The derived type names the op and maps a column adaptor `x` to an
/// xtensor expression of the same shape, element by element (no reductions or shifts across rows: a row
/// transformed alone must give what it gives inside a block):
///
///     struct signed_log : mlpipe::xtensor_op<signed_log> {
///       static constexpr std::string_view op_name = "signed_log";
///       auto operator()(const auto& x) const { return xt::sign(x) * xt::log1p(xt::abs(x)); }
///     };
///     auto ops = mlpipe::impute_mean | signed_log{} | mlpipe::standardize | mlpipe::one_hot;
///
/// Fitting adds a step named op_name to each numeric column the op selects (`.on({...})` restricts it), so
/// later ops (standardize) are fitted on its output. The step is applied in place to each block's column,
/// where the built-in steps run; a saved transform names it, and a program that loads the transform (to
/// evaluate or serve) calls register_op<signed_log>() first. The op must be stateless: its name is its function.
template <class Derived>
struct xtensor_op : detail::op_base<Derived> {
  /// The step's kernel: the n values as an xtensor adaptor, assigned the user's expression in place.
  static void apply(double* values, std::size_t n) {
    static_assert(std::is_default_constructible_v<Derived> && sizeof(Derived) == sizeof(detail::op_base<Derived>),
                  "an xtensor_op holds no data: its name is its function (write constants into the expression, or "
                  "make one op per setting)");
    static_assert(std::is_invocable_v<const Derived&, const detail::column_adaptor&>,
                  "an xtensor_op needs `auto operator()(const auto& x) const` returning an xtensor expression of x");
    auto x = xt::adapt(values, n, xt::no_ownership(), std::array<std::size_t, 1>{n});
    xt::noalias(x) = Derived{}(x);  // element-wise: each output depends only on its own input
  }

  void fit(detail::fit_column& f) const {
    if (!f.numeric() || f.encoded || f.bucketized || !this->selects(f.col->name())) return;
    // once per op type, not under the registry's lock for every column (a throw, for a name taken by another
    // kernel, leaves the static unset: the next fit reports it again)
    [[maybe_unused]] static const bool registered = (register_step(Derived::op_name, &apply), true);
    numeric_step s;
    s.kind = numeric_step_kind::user;
    s.name = std::string(Derived::op_name);
    s.apply = &apply;
    f.add(std::move(s));
  }
  nlohmann::json to_json() const { return this->base_json(); }
  void from_json(const nlohmann::json& j) { this->base_from_json(j); }
};

/// Registers an xtensor_op's kernel under its name without fitting it: call it before loading a saved
/// transform (or a bundle) that uses the op.
template <class Op>
  requires std::is_base_of_v<xtensor_op<Op>, Op>
void register_op() {
  register_step(Op::op_name, &Op::apply);
}

}  // namespace mlpipe
