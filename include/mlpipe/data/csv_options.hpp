// mlpipe/data/csv_options.hpp: how a CSV file is read: delimiter, quote, header, missing markers, column types.
// Column types are inferred from a sample of rows unless given (e.g. from a schema) in `column_types`.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include <mlpipe/data/table.hpp>

namespace mlpipe {

/// Options of the CSV reader. The defaults read RFC 4180 files with a header row.
/// The field texts csv_options and csv_examples treat as missing by default. A function, not a braced default
/// member initialiser: GCC 12 crashes (check_noexcept_r) when a struct with `std::vector<std::string> m = {"NA"}`
/// is brace-initialised inside a function template or generic lambda (docs/concepts.md, Known issues).
inline std::vector<std::string> default_missing_markers() { return {"", "NA", "NaN", "null"}; }

struct csv_options {
  char delimiter = ',';
  char quote = '"';
  /// The first row names the columns. Without a header, columns are named column_1, column_2, ...
  bool header = true;
  /// Field texts that mean "missing" (compared after unquoting, case-sensitive).
  std::vector<std::string> missing_markers = default_missing_markers();
  /// Column types by name; they override inference. Names absent from the file are ignored.
  std::map<std::string, column_kind> column_types = {};
  /// Rows read to infer each column's type.
  std::size_t inference_rows = 1000;
  /// A text column is categorical when its sample has at most this many distinct values and either at most
  /// `categorical_always_distinct` of them or at most `categorical_max_ratio` of its present values; else string.
  std::size_t categorical_max_distinct = 1000;
  std::size_t categorical_always_distinct = 20;
  double categorical_max_ratio = 0.5;
  /// Reject text that is not valid UTF-8 (the error names the byte).
  bool validate_utf8 = true;
  /// Read a file through a memory map (no copy; parsed pages are dropped as the reader moves on) where the
  /// system allows it; otherwise, or when false, read it into a buffer.
  bool map_file = true;
  /// Bytes read from the file at a time when it is not mapped (the buffer grows for a longer row).
  std::size_t read_buffer_bytes = std::size_t{4} << 20;
  /// Threads that parse a mapped file read whole (read_csv, csv_reader::read_all): 0 means the machine's hardware
  /// threads. Each takes a byte range of at least `min_bytes_per_thread`, so small files stay on one thread. The
  /// table is the same for any count (row order, categorical codes, errors with the file's own line numbers).
  std::size_t threads = 0;
  std::size_t min_bytes_per_thread = std::size_t{8} << 20;
};

}  // namespace mlpipe
