// src/components/sqlite.cpp: the mlpipe::sqlite component library, the bodies of include/mlpipe/metadata/impl/sqlite.ipp.
#ifdef MLPIPE_HEADER_ONLY
#error "src/ builds the compiled libraries: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/metadata/impl/sqlite.ipp>
