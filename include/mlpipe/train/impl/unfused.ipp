// mlpipe/train/impl/unfused.ipp: bodies of train/unfused.hpp's non-template functions (compiled once into
// libmlpipe by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/unfused.hpp>

namespace mlpipe {

MLPIPE_DECL materialized_source::materialized_source(const table& t, const transform_graph& g,
                                                     const label_encoding& labels, std::size_t block_rows)
    : block_rows_(std::max<std::size_t>(1, block_rows)) {
  x_ = xt::xtensor<double, 2>::from_shape({t.rows(), g.width()});
  y_.resize(t.rows());
  auto tf = g.bind(t);
  auto ly = labels.bind(t);
  std::span<double> all(x_.data(), x_.size());
  for (std::size_t begin = 0; begin < t.rows(); begin += block_rows_) {
    std::size_t end = std::min(t.rows(), begin + block_rows_);
    auto view = t.view(begin, end);
    tf(view, all.subspan(begin * g.width()));
    ly(view, y_.data() + begin);
  }
}

}  // namespace mlpipe
