// src/validate.cpp: libmlpipe's validate area, the bodies of include/mlpipe/validate/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/validate/impl/anomalies.ipp>
#include <mlpipe/validate/impl/column_statistics.ipp>
#include <mlpipe/validate/impl/drift.ipp>
#include <mlpipe/validate/impl/histogram.ipp>
#include <mlpipe/validate/impl/moments.ipp>
#include <mlpipe/validate/impl/quantile_sketch.ipp>
#include <mlpipe/validate/impl/schema.ipp>
#include <mlpipe/validate/impl/statistics.ipp>
#include <mlpipe/validate/impl/value_counts.ipp>
