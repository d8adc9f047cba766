// mlpipe/train/impl/block_source.ipp: bodies of train/block_source.hpp's non-template functions (compiled once
// into libmlpipe by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/block_source.hpp>

#include <unistd.h>

namespace mlpipe {

MLPIPE_DECL std::size_t training_block_rows(std::size_t width, std::size_t multiple) {
  long l2 = -1;
#ifdef _SC_LEVEL2_CACHE_SIZE
  l2 = ::sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
  std::size_t bytes = l2 > 0 ? static_cast<std::size_t>(l2) : std::size_t{1} << 20;
  std::size_t rows = bytes / 2 / (8 * (width + 1));
  multiple = std::max<std::size_t>(1, multiple);
  rows = std::max<std::size_t>(rows / multiple, 1) * multiple;
  return std::max<std::size_t>(rows, 16);
}

MLPIPE_DECL fused_source::fused_source(const table& t, const transform_graph& g, const label_encoding& labels,
                                       std::size_t block_rows)
    : t_(&t), tf_(g, t), y_enc_(labels.bind(t)), block_rows_(std::max<std::size_t>(1, block_rows)) {
  x_.resize(std::min(block_rows_, std::max<std::size_t>(t.rows(), 1)) * tf_.width());
  y_.resize(std::min(block_rows_, std::max<std::size_t>(t.rows(), 1)));
  // Whether the label column's values are the targets themselves is checked once here, not per block of
  // every epoch: one read of one column per training run.
  if (auto raw = y_enc_.as_is(t.view(0, t.rows()))) y_in_place_ = raw->data();
}

}  // namespace mlpipe
