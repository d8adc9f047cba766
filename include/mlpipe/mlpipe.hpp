// mlpipe/mlpipe.hpp: the whole header-only library, from the DSL to deployment, with no link dependency.
// The SQLite and MariaDB stores (mlpipe/metadata/sqlite.hpp, mariadb.hpp) and the HTTP server
// (mlpipe/deploy/server.hpp) need linked libraries and are included on their own; so are the xtensor and range-v3
// views of a table (mlpipe/data/table_views.hpp) and a user's xtensor op (mlpipe/transform/xtensor_op.hpp), so
// that a program that does not use them does not parse xtensor and range-v3.
#pragma once

#include <mlpipe/core.hpp>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/span.hpp>
#include <mlpipe/data/split.hpp>
#include <mlpipe/data/table.hpp>

#include <mlpipe/validate/anomalies.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

#include <mlpipe/transform/fit_transform.hpp>

#include <mlpipe/train/train.hpp>
#include <mlpipe/tune/tune.hpp>

#include <mlpipe/evaluate/evaluate.hpp>

#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/store.hpp>

#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/infra_blessing.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
