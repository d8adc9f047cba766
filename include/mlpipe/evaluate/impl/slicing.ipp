// mlpipe/evaluate/impl/slicing.ipp: bodies of evaluate/slicing.hpp's non-template functions (compiled once into libmlpipe by
// src/evaluate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/evaluate/slicing.hpp>

namespace mlpipe {

MLPIPE_DECL std::vector<std::string> detail::split_slice_spec(std::string_view spec) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= spec.size()) {
    auto end = spec.find(',', start);
    if (end == std::string_view::npos) end = spec.size();
    auto part = spec.substr(start, end - start);
    while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
    while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
    if (part.empty()) throw std::invalid_argument("slice spec '" + std::string(spec) + "' has an empty column name");
    out.emplace_back(part);
    start = end + 1;
  }
  return out;
}

MLPIPE_DECL std::vector<slice_rows> make_slices(std::size_t rows, const std::vector<std::string>& specs, const std::function<std::optional<std::string>(const std::string& column, std::size_t row)>& value) {
  std::vector<slice_rows> out;
  out.push_back({std::string(overall_slice), {}});
  out.front().rows.resize(rows);
  for (std::size_t r = 0; r < rows; ++r) out.front().rows[r] = r;
  for (const auto& spec : specs) {
    auto columns = detail::split_slice_spec(spec);
    std::map<std::string, std::vector<std::size_t>> groups;
    for (std::size_t r = 0; r < rows; ++r) {
      std::string key;
      bool ok = true;
      for (std::size_t c = 0; c < columns.size() && ok; ++c) {
        auto v = value(columns[c], r);
        if (!v) { ok = false; break; }
        key += (c ? "," : "") + columns[c] + "=" + *v;
      }
      if (ok) groups[key].push_back(r);
    }
    for (auto& [k, rs] : groups) out.push_back({k, std::move(rs)});
  }
  return out;
}

MLPIPE_DECL bool slice_matches(std::string_view selector, std::string_view key) {
  if (selector.empty()) return true;
  if (selector == overall_slice || key == overall_slice) return selector == key;
  auto want = detail::split_slice_spec(selector);
  auto have = detail::split_slice_spec(key);
  if (want.size() != have.size()) return false;
  for (std::size_t i = 0; i < want.size(); ++i) {
    auto eq = have[i].find('=');
    std::string_view col = std::string_view(have[i]).substr(0, eq);
    if (want[i].find('=') == std::string::npos) {
      if (want[i] != col) return false;
    } else if (want[i] != have[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace mlpipe
