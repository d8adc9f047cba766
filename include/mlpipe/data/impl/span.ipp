// mlpipe/data/impl/span.ipp: bodies of data/span.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <algorithm>
#include <charconv>
#include <map>

#include <mlpipe/data/span.hpp>

namespace mlpipe {

MLPIPE_DECL bool detail::span_match(std::string_view pat, std::string_view name, std::vector<std::string_view>& spans) {
  if (pat.empty()) return name.empty();
  if (pat.substr(0, 6) == "{SPAN}") {
    std::size_t n = 0;
    while (n < name.size() && name[n] >= '0' && name[n] <= '9') ++n;
    for (std::size_t k = n; k >= 1; --k) {
      spans.push_back(name.substr(0, k));
      if (span_match(pat.substr(6), name.substr(k), spans)) return true;
      spans.pop_back();
    }
    return false;
  }
  if (pat[0] == '*') {
    const std::size_t n = std::min(name.find('/'), name.size());
    for (std::size_t k = n + 1; k-- > 0;)
      if (span_match(pat.substr(1), name.substr(k), spans)) return true;
    return false;
  }
  return !name.empty() && name[0] == pat[0] && span_match(pat.substr(1), name.substr(1), spans);
}

MLPIPE_DECL std::vector<span_files> find_spans(const std::string& pattern) {
  namespace fs = std::filesystem;
  // The fixed leading directories: where the search starts.
  std::string p = fs::path(pattern).generic_string();
  auto first_wild = std::min(p.find("{SPAN}"), p.find('*'));
  if (first_wild == std::string::npos) {
    if (!fs::is_regular_file(p)) throw span_error("data pattern '" + pattern + "' matches no file");
    return {span_files{0, {fs::path(p)}}};
  }
  auto slash = p.rfind('/', first_wild);
  fs::path root = slash == std::string::npos ? fs::path(".") : fs::path(p.substr(0, slash == 0 ? 1 : slash));
  std::string rest = slash == std::string::npos ? p : p.substr(slash + 1);
  auto depth = static_cast<int>(std::count(rest.begin(), rest.end(), '/'));
  const bool has_span = rest.find("{SPAN}") != std::string::npos;
  std::map<std::int64_t, std::vector<fs::path>> by_span;
  std::error_code ec;
  if (!fs::is_directory(root, ec))
    throw span_error("data pattern '" + pattern + "': directory '" + root.string() + "' does not exist");
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator(); ++it) {
    if (it.depth() > depth) {
      it.disable_recursion_pending();
      continue;
    }
    if (it.depth() == depth && it->is_directory()) it.disable_recursion_pending();
    if (!it->is_regular_file()) continue;
    std::string rel = it->path().lexically_relative(root).generic_string();
    std::vector<std::string_view> digits;
    if (!detail::span_match(rest, rel, digits)) continue;
    std::int64_t span = 0;
    for (std::size_t g = 0; g < digits.size(); ++g) {
      std::int64_t v = 0;
      if (std::from_chars(digits[g].data(), digits[g].data() + digits[g].size(), v).ec != std::errc{})
        throw span_error("data pattern '" + pattern + "': path '" + rel + "' has a span number too large ('" +
                         std::string(digits[g]) + "')");
      if (g > 0 && v != span)
        throw span_error("data pattern '" + pattern + "': path '" + rel + "' has two different span numbers (" +
                         std::to_string(span) + " and " + std::to_string(v) + ")");
      span = v;
    }
    by_span[has_span ? span : 0].push_back(it->path());
  }
  if (by_span.empty()) throw span_error("data pattern '" + pattern + "' matches no file under '" + root.string() + "'");
  std::vector<span_files> out;
  for (auto& [s, files] : by_span) {
    std::sort(files.begin(), files.end());
    out.push_back(span_files{s, std::move(files)});
  }
  return out;
}

MLPIPE_DECL span_selection select_spans(const std::string& pattern) {
  auto spans = find_spans(pattern);
  if (auto limit = span_limit().load(); limit >= 0) {
    while (!spans.empty() && spans.back().span > limit) spans.pop_back();
    if (spans.empty())
      throw span_error("data pattern '" + pattern + "' has no span up to " + std::to_string(limit));
  }
  span_selection s;
  s.current = spans.back();
  if (spans.size() >= 2) s.baseline = spans[spans.size() - 2];
  return s;
}

}  // namespace mlpipe
