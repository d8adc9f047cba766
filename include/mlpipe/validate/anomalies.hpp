// mlpipe/validate/anomalies.hpp: the `anomalies` artifact ("ExampleAnomalies") and the `validate` stage, which
// checks statistics against a schema (and against a baseline for drift) and says what is wrong, where, how much.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/validate/drift.hpp>
#include <mlpipe/validate/schema.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mlpipe {

enum class anomaly_kind : std::uint8_t {
  missing_column,       // in the schema, not in the data
  new_column,           // in the data, not in the schema
  type_mismatch,        // numeric where the schema says categorical/string, or the reverse
  out_of_range,         // values below the schema's min or above its max
  nan_values,           // NaN where the schema does not allow it
  inf_values,           // +-Inf where the schema does not allow it
  unexpected_category,  // share of values outside the domain above the allowed share
  low_presence,         // fewer rows with a value than the schema's minimum fraction
  too_few_rows,         // fewer rows than the schema's min_rows
  outliers,             // share of robust z-scores above the cut exceeds the allowed share
  drift,                // distance to the baseline above the schema's bound
};

inline constexpr std::string_view to_string(anomaly_kind k) noexcept {
  switch (k) {
    case anomaly_kind::missing_column: return "missing_column";
    case anomaly_kind::new_column: return "new_column";
    case anomaly_kind::type_mismatch: return "type_mismatch";
    case anomaly_kind::out_of_range: return "out_of_range";
    case anomaly_kind::nan_values: return "nan_values";
    case anomaly_kind::inf_values: return "inf_values";
    case anomaly_kind::unexpected_category: return "unexpected_category";
    case anomaly_kind::low_presence: return "low_presence";
    case anomaly_kind::too_few_rows: return "too_few_rows";
    case anomaly_kind::outliers: return "outliers";
    case anomaly_kind::drift: return "drift";
  }
  return "unknown";
}

MLPIPE_DECL anomaly_kind anomaly_kind_from_string(std::string_view s);

/// One finding: its kind, the column ("" for the whole data set), a one-line description, and the figures.
struct anomaly {
  anomaly_kind kind{};
  std::string column;
  std::string description;
  std::vector<std::pair<std::string, double>> counts;  // e.g. {"values", 12}, {"share", 0.05}, {"allowed", 0}

  double count(std::string_view key) const {
    for (auto& [k, v] : counts)
      if (k == key) return v;
    return std::nan("");
  }
};

/// Artifact "ExampleAnomalies": what validation found in one data set (empty = clean).
struct anomalies {
  static constexpr std::string_view type_name = "ExampleAnomalies";

  std::string data;        // what was checked ("train+eval", a file name)
  std::uint64_t rows = 0;  // its rows
  std::string baseline;    // what drift was measured against ("" when there was no baseline)
  std::vector<anomaly> items;

  bool empty() const noexcept { return items.empty(); }
  std::size_t size() const noexcept { return items.size(); }
  /// The first anomaly of this kind on this column, or nullptr.
  const anomaly* find(anomaly_kind kind, std::string_view column) const noexcept {
    for (auto& a : items)
      if (a.kind == kind && a.column == column) return &a;
    return nullptr;
  }
  bool has(anomaly_kind kind, std::string_view column) const noexcept { return find(kind, column) != nullptr; }

  nlohmann::ordered_json to_json() const;
  static anomalies from_json(const nlohmann::json& j);
  void save(const std::filesystem::path& dir) const;
  static anomalies load(const std::filesystem::path& dir);
  std::uint64_t fingerprint() const;

  /// The report a person reads: a summary line, then one line per anomaly (kind, column, description).
  std::string to_text() const;
};

namespace detail {
MLPIPE_DECL std::string pct(double share);
MLPIPE_DECL bool text_kinds(column_kind a, column_kind b);
}  // namespace detail

/// Checks `data` against `s`, and against `baseline` for drift when given. Counts that come from a sketch
/// (values out of range, outlier shares) are within the sketch's rank error and exact while it is exact.
MLPIPE_DECL anomalies find_anomalies(const split_statistics& data, const schema& s, const split_statistics* baseline = nullptr,
                                std::size_t histogram_buckets = 10);

/// Stage `validate`: (example_statistics, schema) -> anomalies. Checks the current splits merged (train and eval),
/// and their drift against the "baseline" split when the statistics have one.
struct validate {
  std::vector<std::string> splits = default_current_splits();
  std::string baseline_split = "baseline";
  bool check_drift = true;
  MLPIPE_PARAMETERS(splits, baseline_split, check_drift);

  static constexpr std::string_view name = "validate";
  static constexpr int version = 1;

  anomalies operator()(const example_statistics& stats, const schema& s, context& ctx) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/anomalies.ipp>
#endif
