// mlpipe/data/table_views.hpp: a table's numeric columns as xtensor views (no copy) and its rows as a range-v3
// range of blocks. Apart from table.hpp so that code that never calls them does not parse xtensor and range-v3.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include <range/v3/view/iota.hpp>
#include <range/v3/view/transform.hpp>
#include <xtensor/xadapt.hpp>

#include <mlpipe/data/table.hpp>

namespace mlpipe {

inline auto column::as_xtensor() const {
  check(column_kind::numeric);
  return xt::adapt(values_.data(), values_.size(), xt::no_ownership(), std::vector<std::size_t>{values_.size()});
}

inline auto column_view::as_xtensor() const {
  auto v = values();
  return xt::adapt(v.data(), v.size(), xt::no_ownership(), std::vector<std::size_t>{v.size()});
}

inline auto table::blocks(std::size_t block_rows) const {
  if (block_rows == 0) throw table_error("blocks(): block_rows must be positive");
  std::size_t n = (rows_ + block_rows - 1) / block_rows;
  const table* self = this;
  return ranges::views::iota(std::size_t{0}, n) | ranges::views::transform([self, block_rows](std::size_t b) {
           std::size_t begin = b * block_rows;
           return table_view(*self, begin, std::min(begin + block_rows, self->rows()));
         });
}

}  // namespace mlpipe
