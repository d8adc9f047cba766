// src/evaluate.cpp: libmlpipe's evaluate area, the bodies of include/mlpipe/evaluate/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/evaluate/impl/blessing.ipp>
#include <mlpipe/evaluate/impl/classification_metrics.ipp>
#include <mlpipe/evaluate/impl/evaluate.ipp>
#include <mlpipe/evaluate/impl/log_loss.ipp>
#include <mlpipe/evaluate/impl/metrics.ipp>
#include <mlpipe/evaluate/impl/model_evaluation.ipp>
#include <mlpipe/evaluate/impl/predict.ipp>
#include <mlpipe/evaluate/impl/regression_metrics.ipp>
#include <mlpipe/evaluate/impl/roc_auc.ipp>
#include <mlpipe/evaluate/impl/slicing.ipp>
#include <mlpipe/evaluate/impl/thresholds.ipp>
