// mlpipe/validate/impl/value_counts.ipp: bodies of validate/value_counts.hpp's non-template functions (compiled once
// into libmlpipe by src/validate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/validate/value_counts.hpp>

#include <algorithm>
#include <utility>

#include <nlohmann/json.hpp>

namespace mlpipe {

MLPIPE_DECL void to_json(nlohmann::json& j, const value_count& v) { j = nlohmann::json::array({v.value, v.count}); }

MLPIPE_DECL void from_json(const nlohmann::json& j, value_count& v) {
  j.at(0).get_to(v.value);
  j.at(1).get_to(v.count);
}

MLPIPE_DECL void value_counter::add(std::string_view v, std::uint64_t times) {
  if (times == 0) return;
  auto it = counts_.find(v);
  if (it == counts_.end()) it = counts_.emplace(std::string(v), 0).first;
  it->second += times;
  present_ += times;
  bytes_ += v.size() * times;
}

MLPIPE_DECL void value_counter::merge(const value_counter& o) {
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

MLPIPE_DECL std::uint64_t value_counter::count(std::string_view v) const {
  auto it = counts_.find(v);
  return it == counts_.end() ? 0 : it->second;
}

MLPIPE_DECL std::vector<value_count> value_counter::top(std::size_t k) const {
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

MLPIPE_DECL nlohmann::json value_counter::to_json(std::size_t kept) const {
  auto t = top(kept);
  std::uint64_t listed = 0;
  for (auto& v : t) listed += v.count;
  return nlohmann::json{{"present", present_},
                        {"bytes", bytes_},
                        {"truncated", truncated_ || t.size() < counts_.size()},
                        {"untracked", present_ - listed},
                        {"values", t}};
}

MLPIPE_DECL value_counter value_counter::from_json(const nlohmann::json& j) {
  value_counter c;
  c.present_ = j.at("present").get<std::uint64_t>();
  c.bytes_ = j.at("bytes").get<std::uint64_t>();
  c.truncated_ = j.value("truncated", false);
  c.untracked_ = j.value("untracked", std::uint64_t{0});
  for (auto& v : j.at("values").get<std::vector<value_count>>()) c.counts_.emplace(v.value, v.count);
  return c;
}

}  // namespace mlpipe
