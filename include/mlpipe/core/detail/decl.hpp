// mlpipe/core/detail/decl.hpp: MLPIPE_DECL marks non-template functions whose bodies live in an impl/*.ipp file:
// `inline` in the header-only mode (the .ipp is included by its header), empty when a library compiles them once.
#pragma once

#ifndef MLPIPE_DECL
#define MLPIPE_DECL inline
#endif
