// mlpipe/core/detail/decl.hpp: MLPIPE_DECL marks non-template functions whose bodies live in an impl/*.ipp file:
// `inline` in the header-only mode (the .ipp is included by its header), empty when a library compiles them once.
#pragma once

// MLPIPE_HEADER_ONLY: every body inline in the headers, no library to link (the CMake target
// mlpipe::header_only defines it). Without it the headers hold declarations and templates, and the bodies are
// compiled once into libmlpipe (mlpipe::mlpipe); src/*.cpp include the impl/*.ipp files with MLPIPE_DECL empty.
#ifndef MLPIPE_DECL
#ifdef MLPIPE_HEADER_ONLY
#define MLPIPE_DECL inline
#else
#define MLPIPE_DECL
#endif
#endif
