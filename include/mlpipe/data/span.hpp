// mlpipe/data/span.hpp: finds the files of a data pattern with a {SPAN} number, newest span first.
// "data/span-{SPAN}.csv" or "data/span-{SPAN}/*.csv": the newest span is current, the one before is baseline.
#pragma once

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <vector>

namespace mlpipe {

/// A pattern that matches no file, or whose {SPAN} numbers disagree within one path.
class span_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The files of one span, in name order.
struct span_files {
  std::int64_t span = 0;
  std::vector<std::filesystem::path> files;
};

/// What a pattern selects: the newest span and, when there is one, the span just before it.
struct span_selection {
  span_files current;
  std::optional<span_files> baseline;
};

namespace detail {
inline std::string regex_escape(char c) {
  static const std::string special = R"(\^$.|?*+()[]{})";
  return special.find(c) != std::string::npos ? std::string("\\") + c : std::string(1, c);
}
}  // namespace detail

/// Every span matched by `pattern`, oldest first. `{SPAN}` stands for a decimal number (the same in every
/// place it appears in one path), `*` for any characters within one path component. A pattern with no {SPAN}
/// is span 0. Throws span_error naming the pattern when nothing matches.
inline std::vector<span_files> find_spans(const std::string& pattern) {
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
  std::string rx;
  bool has_span = false;
  for (std::size_t i = 0; i < rest.size(); ++i) {
    if (rest.compare(i, 6, "{SPAN}") == 0) {
      rx += "([0-9]+)";
      i += 5;
      has_span = true;
    } else if (rest[i] == '*') {
      rx += "[^/]*";
    } else {
      rx += detail::regex_escape(rest[i]);
    }
  }
  std::regex re(rx);
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
    std::smatch m;
    if (!std::regex_match(rel, m, re)) continue;
    std::int64_t span = 0;
    for (std::size_t g = 1; g < m.size(); ++g) {
      std::int64_t s = std::stoll(m[g].str());
      if (g > 1 && s != span)
        throw span_error("data pattern '" + pattern + "': path '" + rel + "' has two different span numbers (" +
                         std::to_string(span) + " and " + std::to_string(s) + ")");
      span = s;
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

/// The newest span of `pattern` and the one before it (no baseline with a single span).
inline span_selection select_spans(const std::string& pattern) {
  auto spans = find_spans(pattern);
  span_selection s;
  s.current = spans.back();
  if (spans.size() >= 2) s.baseline = spans[spans.size() - 2];
  return s;
}

}  // namespace mlpipe
