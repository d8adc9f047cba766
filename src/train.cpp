// src/train.cpp: libmlpipe's train area: the bodies of include/mlpipe/train/impl/*.ipp compiled once (MLPIPE_DECL
// empty), and train<linear_model<K>> instantiated once for each model kind (the header declares these
// instantiations extern, so a user's program links them instead of compiling them).
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/train/impl/any_model.ipp>
#include <mlpipe/train/impl/block_source.ipp>
#include <mlpipe/train/impl/hyperparameters.ipp>
#include <mlpipe/train/impl/labels.ipp>
#include <mlpipe/train/impl/model.ipp>
#include <mlpipe/train/impl/train.ipp>
#include <mlpipe/train/impl/unfused.ipp>

namespace mlpipe {
template struct train<linear_regression>;
template struct train<logistic_regression>;
template struct train<softmax_regression>;
}  // namespace mlpipe
