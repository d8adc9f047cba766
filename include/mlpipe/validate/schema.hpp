// mlpipe/validate/schema.hpp: the `schema` artifact ("Schema"), what the data should look like, as JSON a person
// can read and edit, and the `infer_schema` stage that proposes one from statistics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe {

/// A schema file that cannot be used; the message names the file and the field ("columns[2].range.min: ...").
class schema_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// What one column should look like.
struct column_schema {
  std::string name;
  column_kind type = column_kind::numeric;
  double min_presence = 1.0;  // fraction of rows that must have a value (1 = required: never missing)
  // numeric
  std::optional<double> min, max;  // allowed range (inferred: the observed min and max)
  bool allow_nan = false, allow_inf = false;
  double outlier_cut = 5.0;        // robust z-score |x - median| / (1.4826 MAD) above which a value is an outlier
  double max_outlier_share = 0.02; // share of values allowed beyond the cut
  double max_js_divergence = 0.1;  // drift bound against the baseline (Jensen-Shannon, log2, in [0, 1])
  // categorical / string
  std::optional<std::vector<std::string>> domain;  // allowed values; absent = free string
  double max_unexpected_share = 0.0;               // share of values allowed outside the domain
  double max_l_infinity = 0.1;                     // drift bound: largest change of a value's frequency

  bool required() const noexcept { return min_presence >= 1.0; }
  bool is_numeric() const noexcept { return type == column_kind::numeric; }
};

/// Artifact "Schema": expected columns, their types, presence, ranges, domains, outlier and drift bounds.
/// Saved as schema.json; a person may edit it, and load() accepts it back or says which field is wrong.
struct schema {
  static constexpr std::string_view type_name = "Schema";

  std::uint64_t min_rows = 1;
  std::vector<column_schema> columns;

  const column_schema* find(std::string_view name) const noexcept {
    for (auto& c : columns)
      if (c.name == name) return &c;
    return nullptr;
  }

  nlohmann::ordered_json to_json() const;

  /// Reads a schema, checking every field; `where` names the source in error messages.
  static schema from_json(const nlohmann::json& j, const std::string& where = "schema");
  static schema from_json(const nlohmann::ordered_json& j, const std::string& where = "schema");

  void save(const std::filesystem::path& dir) const;
  void save_file(const std::filesystem::path& file) const;
  static schema load(const std::filesystem::path& dir);
  static schema load_file(const std::filesystem::path& file);
  std::uint64_t fingerprint() const;

  /// A summary a person reads: one line per column (type, presence, range or domain).
  std::string to_text() const;
};


/// Proposes a schema from the statistics of data believed good: type per column, presence (required when never
/// missing, else the observed fraction), numeric range = observed [min, max], NaN/Inf allowed only if seen,
/// a categorical domain when there are at most `max_domain_size` distinct values (else a free string), the
/// observed outlier share plus a margin, and the default drift bounds.
MLPIPE_DECL schema infer_schema_from(const split_statistics& st, std::size_t max_domain_size = 100,
                                double js_divergence = 0.1, double l_infinity = 0.1, double outlier_cut = 5.0,
                                double outlier_share_margin = 0.02, double min_rows_fraction = 0.0);

/// The splits infer_schema and validate read by default ("train", "eval"). A function, not a braced default member
/// initialiser, which GCC 12 cannot brace-initialise inside a template (see default_missing_markers).
MLPIPE_DECL std::vector<std::string> default_current_splits();

/// Stage `infer_schema`: example_statistics -> schema, from the current splits merged (train and eval).
struct infer_schema {
  std::size_t max_domain_size = 100;   // more distinct values than this: a free string, no domain
  double js_divergence = 0.1;          // drift bound for numerics (Jensen-Shannon divergence, log2)
  double l_infinity = 0.1;             // drift bound for categoricals (largest frequency change)
  double outlier_cut = 5.0;            // robust z-score cut
  double outlier_share_margin = 0.02;  // allowed outlier share = observed share + this margin
  double min_rows_fraction = 0.0;      // min_rows = this fraction of the observed rows (at least 1)
  std::vector<std::string> splits = default_current_splits();
  MLPIPE_PARAMETERS(max_domain_size, js_divergence, l_infinity, outlier_cut, outlier_share_margin, min_rows_fraction,
                    splits);

  static constexpr std::string_view name = "infer_schema";
  static constexpr int version = 1;

  schema operator()(const example_statistics& stats, context& ctx) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/schema.ipp>
#endif
