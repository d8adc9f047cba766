// mlpipe/transform/impl/feature_block.ipp: bodies of transform/feature_block.hpp's non-template functions (the checked
// constructor): compiled once into libmlpipe by src/transform.cpp, or inline with MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/transform/feature_block.hpp>

#include <stdexcept>
#include <string>

namespace mlpipe {

MLPIPE_DECL feature_block::feature_block(std::span<const double> values, std::size_t r, std::size_t c)
    : data(values.data()), rows(r), cols(c) {
  if (values.size() < r * c)
    throw std::invalid_argument("feature_block: buffer of " + std::to_string(values.size()) + " values for " +
                                std::to_string(r) + " x " + std::to_string(c));
}

}  // namespace mlpipe
