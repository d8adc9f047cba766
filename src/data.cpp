// src/data.cpp: libmlpipe's data area, the bodies of include/mlpipe/data/impl/*.ipp compiled once (MLPIPE_DECL empty).
// Add an area's new .ipp here; docs/concepts.md, "Where code goes", says which functions move there.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/data/impl/csv_error.ipp>
#include <mlpipe/data/impl/csv_examples.ipp>
#include <mlpipe/data/impl/csv_reader.ipp>
#include <mlpipe/data/impl/csv_reader_rows.ipp>
#include <mlpipe/data/impl/examples.ipp>
#include <mlpipe/data/impl/mapped_file.ipp>
#include <mlpipe/data/impl/span.ipp>
#include <mlpipe/data/impl/split.ipp>
#include <mlpipe/data/impl/table.ipp>
