// src/deploy.cpp: libmlpipe's deploy area, the bodies of include/mlpipe/deploy/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there. The HTTP
// server (src/deploy/http_server.cpp) is the optional component mlpipe::serve, not part of this file.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/deploy/impl/bundle.ipp>
#include <mlpipe/deploy/impl/folded_model.ipp>
#include <mlpipe/deploy/impl/infra_blessing.ipp>
#include <mlpipe/deploy/impl/predictor.ipp>
#include <mlpipe/deploy/impl/push.ipp>
