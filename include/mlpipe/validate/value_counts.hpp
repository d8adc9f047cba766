// mlpipe/validate/value_counts.hpp: exact, mergeable counts of the distinct values of a categorical or string
// column, with distinct count, top-k and average length derived from them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// One value and how often it occurs.
struct value_count {
  std::string value;
  std::uint64_t count = 0;
  friend bool operator==(const value_count&, const value_count&) = default;
  friend MLPIPE_DECL void to_json(nlohmann::json& j, const value_count& v);
  friend MLPIPE_DECL void from_json(const nlohmann::json& j, value_count& v);
};

namespace detail {
struct value_string_hash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
};
}  // namespace detail

/// Exact counts per distinct value. Merging adds counts, so any split of the rows gives the same result.
/// Memory grows with the number of distinct values; a saved statistics file keeps at most `kept` of them
/// (the most frequent), and says so with `truncated`.
class value_counter {
 public:
  void add(std::string_view v, std::uint64_t times = 1);

  void merge(const value_counter& o);

  /// Number of values counted (present rows).
  std::uint64_t present() const noexcept { return present_; }
  /// Number of distinct values (a lower bound when truncated()).
  std::size_t distinct() const noexcept { return counts_.size() + (untracked_ > 0 ? 1 : 0); }
  /// Mean length in bytes (UTF-8 code units) of the present values.
  double average_length() const noexcept {
    return present_ ? static_cast<double>(bytes_) / static_cast<double>(present_) : 0.0;
  }
  /// True when some rare values were dropped (after loading a truncated file); counts of the rest stay exact.
  bool truncated() const noexcept { return truncated_; }
  /// Rows whose value was dropped by truncation.
  std::uint64_t untracked() const noexcept { return untracked_; }

  std::uint64_t count(std::string_view v) const;

  /// The k most frequent values, by count descending then value ascending (deterministic).
  std::vector<value_count> top(std::size_t k) const;
  std::vector<value_count> all() const { return top(counts_.size()); }

  /// Saved form: the `kept` most frequent values; the rest are summed into "untracked".
  nlohmann::json to_json(std::size_t kept) const;
  static value_counter from_json(const nlohmann::json& j);

 private:
  std::unordered_map<std::string, std::uint64_t, detail::value_string_hash, std::equal_to<>> counts_;
  std::uint64_t present_ = 0, bytes_ = 0, untracked_ = 0;
  bool truncated_ = false;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/validate/impl/value_counts.ipp>
#endif
