// src/metadata.cpp: libmlpipe's metadata area, the bodies of include/mlpipe/metadata/impl/*.ipp compiled once
// (the SQLite and MariaDB backends are the components' own libraries: src/components/).
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/metadata/impl/recorder.ipp>
#include <mlpipe/metadata/impl/reports.ipp>
#include <mlpipe/metadata/impl/store.ipp>
#include <mlpipe/metadata/impl/types.ipp>
