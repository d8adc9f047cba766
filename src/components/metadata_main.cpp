// src/components/metadata_main.cpp: mlpipe::metadata::main's store extension (include/mlpipe/metadata/impl/main.ipp),
// compiled into the mlpipe::mariadb component since it opens SQLite and MariaDB stores alike.
#ifdef MLPIPE_HEADER_ONLY
#error "src/ builds the compiled libraries: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/metadata/impl/main.ipp>
