// src/components/mariadb.cpp: the mlpipe::mariadb component library, the bodies of include/mlpipe/metadata/impl/mariadb.ipp.
#ifdef MLPIPE_HEADER_ONLY
#error "src/ builds the compiled libraries: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/metadata/impl/mariadb.ipp>
