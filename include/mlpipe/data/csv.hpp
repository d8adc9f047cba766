// mlpipe/data/csv.hpp: CSV ingestion in one include: options, errors, the reader and the streaming API.
// See csv_reader.hpp for read_csv, read_csv_string, for_each_chunk and csv_reader.
#pragma once

#include <mlpipe/data/csv_error.hpp>
#include <mlpipe/data/csv_options.hpp>
#include <mlpipe/data/csv_reader.hpp>
