// mlpipe/train/block_source.hpp: where training reads its row blocks from. The fused source streams the table
// through validate | transform block by block (no transformed copy of the table); see unfused.hpp for the other.
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/transform/feature_block.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// One block of training rows: features (row-major) and targets (value or class index).
struct training_block {
  feature_block x;
  std::span<const double> y;
  std::size_t first_row = 0;  // index of the block's first row in its table
};

/// One block of training rows as the raw table columns, when every feature is an affine map of one numeric
/// column (feature j of row r = columns[j][r] * scale[j] + shift[j]): training folds the maps into its
/// weights and reads the table's own columns, so no transformed copy of the rows is written at all.
struct column_block {
  std::span<const double* const> columns;  // d pointers, at the block's first row
  std::span<const double> scale, shift;    // d each
  std::span<const double> y;               // targets (value or class index)
  std::size_t rows = 0;
  std::size_t first_row = 0;  // index of the block's first row in its table
};

/// Something training can read blocks from, by index. Blocks hold `block_rows()` rows (the last may be shorter);
/// a returned block stays valid until the next call.
template <class S>
concept block_source = requires(S& s, std::size_t b) {
  { s.block_count() } -> std::convertible_to<std::size_t>;
  { s.rows() } -> std::convertible_to<std::size_t>;
  { s.features() } -> std::convertible_to<std::size_t>;
  { s.block(b) } -> std::same_as<training_block>;
};

/// Rows per block so that a block of `width` features (plus its targets) takes about half of the L2 cache,
/// rounded down to a multiple of `multiple` (the minibatch size, so minibatches never straddle blocks).
MLPIPE_DECL std::size_t training_block_rows(std::size_t width, std::size_t multiple = 1);

/// The fused source: each block(b) call transforms rows [b*block_rows, ...) of the table into a block-sized
/// buffer, validating as it goes, and encodes their labels. Memory: one block, whatever the table's size.
class fused_source {
 public:
  fused_source(const table& t, const transform_graph& g, const label_encoding& labels, std::size_t block_rows);

  std::size_t rows() const noexcept { return t_->rows(); }
  std::size_t features() const noexcept { return tf_.width(); }
  std::size_t block_rows() const noexcept { return block_rows_; }
  std::size_t block_count() const noexcept { return (t_->rows() + block_rows_ - 1) / block_rows_; }

  training_block block(std::size_t b) {
    std::size_t begin = b * block_rows_, end = std::min(t_->rows(), begin + block_rows_);
    auto view = t_->view(begin, end);
    auto x = tf_(view, x_);
    y_enc_(view, y_.data());
    return {x, std::span<const double>(y_.data(), end - begin), begin};
  }

  /// Block b as raw columns (see column_block) when the transform allows it, else nothing. Does not look
  /// at the values: rows holding a NaN or infinity must go through rows(), which imputes them or throws.
  std::optional<column_block> columns(std::size_t b) {
    auto af = tf_.affine_features();
    if (af.empty()) return std::nullopt;
    if (cols_.empty()) {
      for (auto& f : af) scale_.push_back(f.scale), shift_.push_back(f.shift);
      cols_.resize(af.size());
    }
    std::size_t begin = b * block_rows_, end = std::min(t_->rows(), begin + block_rows_);
    for (std::size_t j = 0; j < af.size(); ++j) cols_[j] = t_->col(af[j].column).values().data() + begin;
    if (y_in_place_) {
      ycur_ = std::span<const double>(y_in_place_ + begin, end - begin);
    } else {
      y_enc_(t_->view(begin, end), y_.data());
      ycur_ = std::span<const double>(y_.data(), end - begin);
    }
    return column_block{cols_, scale_, shift_, ycur_, end - begin, begin};
  }

  /// Rows [r0, r1) of the block last given by columns(b), through validate | transform, with their targets.
  training_block rows(std::size_t b, std::size_t r0, std::size_t r1) {
    std::size_t begin = b * block_rows_;
    auto x = tf_(t_->view(begin + r0, begin + r1), x_);
    return {x, ycur_.subspan(r0, r1 - r0), begin + r0};
  }

 private:
  const table* t_;
  bound_transform tf_;
  label_encoding::bound y_enc_;
  std::size_t block_rows_;
  std::vector<double> x_, y_;
  std::vector<const double*> cols_;
  std::vector<double> scale_, shift_;
  std::span<const double> ycur_;        // targets of the block last given by columns()
  const double* y_in_place_ = nullptr;  // the label column, when its values are the targets
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/block_source.ipp>
#endif
