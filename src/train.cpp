// src/train.cpp: libmlpipe's train area: train<linear_model<K>> instantiated once for each model kind (the
// header declares these instantiations extern, so a user's program links them instead of compiling them).
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/train/impl/train.ipp>

namespace mlpipe {
template struct train<linear_regression>;
template struct train<logistic_regression>;
template struct train<softmax_regression>;
}  // namespace mlpipe
