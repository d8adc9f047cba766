// mlpipe/core/fuse.hpp: block-wise operations composed with `|` into one fused operation, applied to each
// block of rows in turn while it is in cache: one pass over memory instead of one pass per operation.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <tuple>
#include <type_traits>
#include <utility>

namespace mlpipe {

namespace detail {
template <class A, class B>
constexpr auto fuse_ops(A&& a, B&& b);
}

/// Derive a block-wise operation from this tag to compose it with `|`. The tag carries the operator as a
/// hidden friend, so `|` never attaches to types that did not ask for it.
struct block_op_base {
  template <class A, class B>
    requires std::derived_from<std::remove_cvref_t<A>, block_op_base> &&
             std::derived_from<std::remove_cvref_t<B>, block_op_base>
  friend constexpr auto operator|(A&& a, B&& b) {
    return detail::fuse_ops(std::forward<A>(a), std::forward<B>(b));
  }
};

/// A type composed with `|`.
template <class T>
concept block_op = std::derived_from<std::remove_cvref_t<T>, block_op_base>;

/// Operations applied one after another to the same block: `(a | b | c)(block)` == `a(block); b(block); c(block)`.
template <block_op... Ops>
struct fused : block_op_base {
  std::tuple<Ops...> ops;

  constexpr fused() = default;
  constexpr explicit fused(Ops... o) : ops(std::move(o)...) {}

  template <class Block>
    requires(std::invocable<Ops&, Block&> && ...)
  constexpr void operator()(Block& block) {
    std::apply([&](auto&... op) { (op(block), ...); }, ops);
  }
  template <class Block>
    requires(std::invocable<const Ops&, Block&> && ...)
  constexpr void operator()(Block& block) const {
    std::apply([&](const auto&... op) { (op(block), ...); }, ops);
  }
  static constexpr std::size_t size = sizeof...(Ops);
};

namespace detail {
template <class T>
struct is_fused : std::false_type {};
template <class... Ops>
struct is_fused<fused<Ops...>> : std::true_type {};

template <class T>
constexpr auto as_tuple(T&& op) {
  if constexpr (is_fused<std::remove_cvref_t<T>>::value)
    return std::forward<T>(op).ops;
  else
    return std::tuple<std::remove_cvref_t<T>>(std::forward<T>(op));
}

// `a | b | c` is one flat fused<A, B, C>, not fused<fused<A, B>, C>.
template <class A, class B>
constexpr auto fuse_ops(A&& a, B&& b) {
  auto all = std::tuple_cat(detail::as_tuple(std::forward<A>(a)), detail::as_tuple(std::forward<B>(b)));
  return std::apply([](auto&&... ops) { return fused<std::remove_cvref_t<decltype(ops)>...>(std::move(ops)...); },
                    std::move(all));
}
}  // namespace detail

/// Rows per block so that a block of `bytes_per_row` bytes fills about half of a typical 1 MiB L2
/// (leaving room for the operations' own state), never fewer than 64 rows.
constexpr std::size_t l2_block_rows(std::size_t bytes_per_row, std::size_t l2_bytes = 1u << 20) {
  return std::max<std::size_t>(64, (l2_bytes / 2) / std::max<std::size_t>(1, bytes_per_row));
}

/// Calls f(begin, end) for consecutive row ranges of at most block_rows rows covering [0, rows).
template <class F>
  requires std::invocable<F&, std::size_t, std::size_t>
constexpr void for_each_block(std::size_t rows, std::size_t block_rows, F&& f) {
  if (block_rows == 0) block_rows = rows == 0 ? 1 : rows;
  for (std::size_t b = 0; b < rows; b += block_rows) f(b, std::min(rows, b + block_rows));
}

}  // namespace mlpipe
