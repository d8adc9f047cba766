// mlpipe/transform/feature_block.hpp: a dense row-major block of model features (rows × cols doubles).
// The fitted transform writes it, models read it: the one currency between preprocessing, training and serving.
#pragma once

#include <cstddef>
#include <span>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// Read-only view of `rows` feature rows of `cols` doubles each, row-major and contiguous (no copy).
struct feature_block {
  const double* data = nullptr;
  std::size_t rows = 0;
  std::size_t cols = 0;

  feature_block() = default;
  feature_block(const double* d, std::size_t r, std::size_t c) noexcept : data(d), rows(r), cols(c) {}
  /// A block over a buffer of rows*cols values; throws when the buffer is shorter.
  feature_block(std::span<const double> values, std::size_t r, std::size_t c);

  const double* row(std::size_t r) const noexcept { return data + r * cols; }
  double operator()(std::size_t r, std::size_t c) const noexcept { return data[r * cols + c]; }
  /// Rows [begin, end) of this block.
  feature_block rows_range(std::size_t begin, std::size_t end) const noexcept {
    return {data + begin * cols, end - begin, cols};
  }
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/transform/impl/feature_block.ipp>
#endif
