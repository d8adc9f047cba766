// src/tune.cpp: libmlpipe's tune area, the bodies of include/mlpipe/tune/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/tune/impl/search.ipp>
#include <mlpipe/tune/impl/space.ipp>
#include <mlpipe/tune/impl/tune.ipp>
