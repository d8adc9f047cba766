// mlpipe/data/examples.hpp: the `examples` artifact ("Examples"), the train/eval tables that csv_examples makes.
// Carries the previous span's rows as a baseline for drift, the label's name, the span number and the input files.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>

namespace mlpipe {

/// Artifact "Examples": the output of csv_examples. Saved as <dir>/train.mlt, eval.mlt, [baseline.mlt] and
/// examples.json (label, span, files, input fingerprint).
struct examples {
  static constexpr std::string_view type_name = "Examples";

  table train, eval;              // splits by hash of the row (default 2:1)
  std::optional<table> baseline;  // the previous span's rows (all splits), when the pattern has one
  std::string label;              // label column name ("" for none)
  std::int64_t span = 0;          // span number of the current data
  std::vector<std::string> files; // the input files
  std::uint64_t input_fingerprint = 0;  // hash of the input files' bytes (0 when built in memory)

  /// Both splits as one table (train rows then eval rows).
  table all() const;
  /// The split by name: "train" or "eval".
  const table& split(std::string_view name) const;

  /// Content hash: the tables, label and span (not the file paths: moving the data does not change it).
  std::uint64_t fingerprint() const;

  void save(const std::filesystem::path& dir) const;

  static examples load(const std::filesystem::path& dir);
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/examples.ipp>
#endif
