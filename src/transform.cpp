// src/transform.cpp: libmlpipe's transform area, the bodies of include/mlpipe/transform/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/transform/impl/feature_block.ipp>
#include <mlpipe/transform/impl/fit_from_statistics.ipp>
#include <mlpipe/transform/impl/fit_transform.ipp>
#include <mlpipe/transform/impl/ops.ipp>
#include <mlpipe/transform/impl/transform_graph.ipp>
