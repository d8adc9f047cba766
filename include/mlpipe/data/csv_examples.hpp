// mlpipe/data/csv_examples.hpp: the `csv_examples` stage: CSV files (with spans) in, the Examples artifact out.
// Reads the newest span, splits it train/eval by row hash, and keeps the previous span as a drift baseline.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>


#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/csv_reader.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/span.hpp>
#include <mlpipe/data/split.hpp>

namespace mlpipe {

/// Stage "csv_examples": reads `pattern` (a file, or a pattern with {SPAN} and *) into `examples`.
///   csv_examples{.pattern = "data/span-{SPAN}.csv", .label = "species"}
struct csv_examples {
  std::string pattern = "";                       // e.g. "data/iris.csv" or "data/span-{SPAN}/*.csv"
  std::string label = "";                         // label column ("" for none); must exist when given
  std::uint32_t train_buckets = 2;                // train:eval = train_buckets:eval_buckets
  std::uint32_t eval_buckets = 1;
  std::string split_key = "";                     // "" whole row, "#row" row index, or a column name
  std::vector<std::string> missing_markers = default_missing_markers();
  std::map<std::string, column_kind> column_types = {};  // type overrides, e.g. from a schema
  std::string delimiter = ",";
  bool header = true;
  bool with_baseline = true;                      // read the previous span as examples::baseline
  MLPIPE_PARAMETERS(pattern, label, train_buckets, eval_buckets, split_key, missing_markers, column_types,
                    delimiter, header, with_baseline);

  static constexpr std::string_view name = "csv_examples";
  static constexpr int version = 1;

  csv_options options() const;

  /// A hash of the bytes of every file the pattern selects now (current and baseline spans): what a cache
  /// must add to the parameters, since this stage has no input artifacts.
  std::uint64_t source_fingerprint() const;

  examples operator()(context& ctx) const;

  /// Hash of a file's bytes (read in 1 MiB pieces).
  static std::uint64_t fingerprint_file(const std::filesystem::path& f);

 private:
  static std::string join(const std::vector<std::string>& v);

  static table read_span(const span_files& s, csv_options opts);
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/csv_examples.ipp>
#endif
