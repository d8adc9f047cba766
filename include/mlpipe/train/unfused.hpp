// mlpipe/train/unfused.hpp: the unfused training source: the whole transformed matrix materialized as an
// xtensor first, then read block by block. Same blocks, same numbers as the fused source; kept for comparison.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/block_source.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// Transforms the whole table into `x` (rows × features), then serves row blocks of it.
class materialized_source {
 public:
  materialized_source(const table& t, const transform_graph& g, const label_encoding& labels, std::size_t block_rows);

  std::size_t rows() const noexcept { return x_.shape(0); }
  std::size_t features() const noexcept { return x_.shape(1); }
  std::size_t block_rows() const noexcept { return block_rows_; }
  std::size_t block_count() const noexcept { return (rows() + block_rows_ - 1) / block_rows_; }
  const xt::xtensor<double, 2>& matrix() const noexcept { return x_; }

  training_block block(std::size_t b) {
    std::size_t begin = b * block_rows_, end = std::min(rows(), begin + block_rows_);
    return {feature_block{x_.data() + begin * features(), end - begin, features()},
            std::span<const double>(y_.data() + begin, end - begin), begin};
  }

 private:
  std::size_t block_rows_;
  xt::xtensor<double, 2> x_;
  std::vector<double> y_;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/unfused.ipp>
#endif
