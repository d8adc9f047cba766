// mlpipe/data/span.hpp: finds the files of a data pattern with a {SPAN} number, newest span first.
// "data/span-{SPAN}.csv" or "data/span-{SPAN}/*.csv": the newest span is current, the one before is baseline.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>

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
MLPIPE_DECL bool span_match(std::string_view pat, std::string_view name, std::vector<std::string_view>& spans);
}  // namespace detail

/// Every span matched by `pattern`, oldest first. `{SPAN}` stands for a decimal number (the same in every
/// place it appears in one path), `*` for any characters within one path component. A pattern with no {SPAN}
/// is span 0. Throws span_error naming the pattern when nothing matches.
MLPIPE_DECL std::vector<span_files> find_spans(const std::string& pattern);

/// The newest span a run may read; -1 (the default): no limit. `--watch` sets it to run spans that arrived
/// together one after another, oldest first; a process-wide setting, as the files are (parameters and cache
/// keys stay those of a run made when that span was the newest).
inline std::atomic<std::int64_t>& span_limit() noexcept {
  static std::atomic<std::int64_t> limit{-1};
  return limit;
}

/// The newest span of `pattern` (up to span_limit()) and the one before it (no baseline with a single span).
MLPIPE_DECL span_selection select_spans(const std::string& pattern);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/span.ipp>
#endif
