// src/core.cpp: libmlpipe's core area, the bodies of include/mlpipe/core/impl/*.ipp compiled once (MLPIPE_DECL empty):
// the command line of mlpipe::main (CLI11) and the run report.
#ifdef MLPIPE_HEADER_ONLY
#error "src/*.cpp build the compiled library: MLPIPE_HEADER_ONLY must not be defined here"
#endif

#include <mlpipe/core/impl/main_program.ipp>
#include <mlpipe/core/impl/draw.ipp>
#include <mlpipe/core/impl/json_text.ipp>
#include <mlpipe/core/impl/json_value.ipp>
#include <mlpipe/core/impl/main.ipp>
#include <mlpipe/core/impl/persist.ipp>
#include <mlpipe/core/impl/parameters.ipp>
#include <mlpipe/core/impl/run.ipp>
#include <mlpipe/core/impl/run_options.ipp>
#include <mlpipe/core/impl/run_report.ipp>
#include <mlpipe/core/impl/run_result.ipp>
