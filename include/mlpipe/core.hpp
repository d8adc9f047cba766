// mlpipe/core.hpp: the DSL alone (names, stages, nodes, checked pipelines, runs, drawing, the command line).
// Knows nothing of machine learning; costs no link dependency.
#pragma once

#include <mlpipe/core/artifact.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/draw.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/fuse.hpp>
#include <mlpipe/core/main.hpp>
#include <mlpipe/core/node.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/core/outputs.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#include <mlpipe/core/stage.hpp>
