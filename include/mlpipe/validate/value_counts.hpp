// mlpipe/validate/value_counts.hpp: exact, mergeable counts of the distinct values of a categorical or string
// column, with distinct count, top-k and average length derived from them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace mlpipe {

/// One value and how often it occurs.
struct value_count {
  std::string value;
  std::uint64_t count = 0;
  friend bool operator==(const value_count&, const value_count&) = default;
  friend void to_json(nlohmann::json& j, const value_count& v) { j = nlohmann::json::array({v.value, v.count}); }
  friend void from_json(const nlohmann::json& j, value_count& v) {
    j.at(0).get_to(v.value);
    j.at(1).get_to(v.count);
  }
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
  void add(std::string_view v, std::uint64_t times = 1) {
    if (times == 0) return;
    auto it = counts_.find(v);
    if (it == counts_.end()) it = counts_.emplace(std::string(v), 0).first;
    it->second += times;
    present_ += times;
    bytes_ += v.size() * times;
  }

  void merge(const value_counter& o) {
    for (auto& [v, c] : o.counts_) {
      auto it = counts_.find(std::string_view(v));
      if (it == counts_.end()) counts_.emplace(v, c);
      else it->second += c;
    }
    present_ += o.present_;
    bytes_ += o.bytes_;
    truncated_ = truncated_ || o.truncated_;
    untracked_ += o.untracked_;
  }

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

  std::uint64_t count(std::string_view v) const {
    auto it = counts_.find(v);
    return it == counts_.end() ? 0 : it->second;
  }

  /// The k most frequent values, by count descending then value ascending (deterministic).
  std::vector<value_count> top(std::size_t k) const {
    std::vector<value_count> all;
    all.reserve(counts_.size());
    for (auto& [v, c] : counts_) all.push_back({v, c});
    auto by = [](const value_count& a, const value_count& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    };
    if (k < all.size()) {
      std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(k), all.end(), by);
      all.resize(k);
    } else {
      std::sort(all.begin(), all.end(), by);
    }
    return all;
  }
  std::vector<value_count> all() const { return top(counts_.size()); }

  /// Saved form: the `kept` most frequent values; the rest are summed into "untracked".
  nlohmann::json to_json(std::size_t kept) const {
    auto t = top(kept);
    std::uint64_t listed = 0;
    for (auto& v : t) listed += v.count;
    return nlohmann::json{{"present", present_},
                          {"bytes", bytes_},
                          {"truncated", truncated_ || t.size() < counts_.size()},
                          {"untracked", present_ - listed},
                          {"values", t}};
  }
  static value_counter from_json(const nlohmann::json& j) {
    value_counter c;
    c.present_ = j.at("present").get<std::uint64_t>();
    c.bytes_ = j.at("bytes").get<std::uint64_t>();
    c.truncated_ = j.value("truncated", false);
    c.untracked_ = j.value("untracked", std::uint64_t{0});
    for (auto& v : j.at("values").get<std::vector<value_count>>()) c.counts_.emplace(v.value, v.count);
    return c;
  }

 private:
  std::unordered_map<std::string, std::uint64_t, detail::value_string_hash, std::equal_to<>> counts_;
  std::uint64_t present_ = 0, bytes_ = 0, untracked_ = 0;
  bool truncated_ = false;
};

}  // namespace mlpipe
