// mlpipe/data/span.hpp: finds the files of a data pattern with a {SPAN} number, newest span first.
// "data/span-{SPAN}.csv" or "data/span-{SPAN}/*.csv": the newest span is current, the one before is baseline.
#pragma once

#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
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
/// Whether `name` matches `pat` as a whole: literal characters, `*` (any run of characters but '/') and
/// `{SPAN}` (a run of decimal digits), each run as long as the rest allows (as a greedy regular expression
/// would); the {SPAN} runs go to `spans`. Backtracking, which is cheap on a path pattern and a file name (and
/// a hand-written matcher, unlike std::regex, costs nothing to compile).
inline bool span_match(std::string_view pat, std::string_view name, std::vector<std::string_view>& spans) {
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

/// The newest span a run may read; -1 (the default): no limit. `--watch` sets it to run spans that arrived
/// together one after another, oldest first; a process-wide setting, as the files are (parameters and cache
/// keys stay those of a run made when that span was the newest).
inline std::atomic<std::int64_t>& span_limit() noexcept {
  static std::atomic<std::int64_t> limit{-1};
  return limit;
}

/// The newest span of `pattern` (up to span_limit()) and the one before it (no baseline with a single span).
inline span_selection select_spans(const std::string& pattern) {
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
