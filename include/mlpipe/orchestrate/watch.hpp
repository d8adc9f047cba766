// mlpipe/orchestrate/watch.hpp: retrain when new data arrives: polls a {SPAN} pattern and runs the pipeline
// once per new complete span, oldest first; SIGTERM/SIGINT end it between nodes, never inside a record.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/observer.hpp>

namespace mlpipe {
struct span_files;  // mlpipe/data/span.hpp
}  // namespace mlpipe

namespace mlpipe::orchestrate {

/// Set by SIGTERM/SIGINT while a watch runs (0: none): the run in progress stops before its next node.
inline std::atomic<int>& stop_signal() noexcept {
  static std::atomic<int> s{0};
  return s;
}

namespace detail {
MLPIPE_DECL void on_stop_signal(int sig);

/// A span's files with their sizes and modification times: equal in two polls means nobody is writing it.
MLPIPE_DECL std::string span_signature(const span_files& s);
}  // namespace detail

/// Wraps a run's observer so that, once a stop signal came, the next node is not started: it is recorded as
/// canceled ("stopped by signal N") and the run ends (its remaining nodes canceled, the run FAILED). The node
/// executing when the signal came finishes and is recorded whole.
class stopping_observer final : public run_observer {
 public:
  explicit stopping_observer(run_observer& inner) : inner_(inner) {}
  MLPIPE_DECL void run_started(std::string_view p, std::string_view id, std::span<const std::string> n) override;
  MLPIPE_DECL std::optional<std::vector<artifact_ref>> find_cached(const node_info& n,
                                                                   std::span<const artifact_ref> in) override;
  MLPIPE_DECL void node_cached(const node_info& n, std::span<const artifact_ref> in,
                               std::span<const artifact_ref> out) override;
  MLPIPE_DECL std::filesystem::path node_started(const node_info& n, std::span<const artifact_ref> in) override;
  MLPIPE_DECL void node_succeeded(const node_info& n, std::span<const artifact_ref> out,
                                  std::span<const std::pair<std::string, property_value>> r) override;
  MLPIPE_DECL void node_failed(const node_info& n, std::string_view e) override;
  MLPIPE_DECL void node_skipped(const node_info& n, std::string_view why) override;
  MLPIPE_DECL void run_finished(bool ok) override;
  MLPIPE_DECL std::vector<std::pair<std::string, property_value>> cached_records(const node_info& n) override;

 private:
  MLPIPE_DECL void check(const node_info& n);
  run_observer& inner_;
};

struct watch_settings {
  std::string pattern;                              // the {SPAN} pattern the pipeline reads
  std::size_t max_runs = 0;                         // stop after this many runs (the start-up one counts); 0: never
  std::chrono::milliseconds poll{1000};             // how often the pattern is listed
  std::function<bool(std::int64_t span)> has_run;   // the store holds a run on this span
  std::function<int(std::int64_t span)> run_span;   // runs the pipeline on this span (newest = span); exit code
  std::function<void(const std::string&)> log;      // progress lines
};

/// What a watch did.
struct watch_result {
  std::vector<std::int64_t> spans;  // the spans run, in order
  std::vector<int> codes;           // each run's exit code
  int stopped_by = 0;               // the signal that ended it, or 0
};

/// Runs the pipeline on the newest span if the store has no run on it, then on every span that appears after
/// it, oldest first, each once. A span counts once its files have the same sizes and times in two polls in a
/// row (a span renamed into place counts at the next poll; one written in place, once unchanged for a poll
/// interval). A failed run does not stop the watch. Ends after max_runs runs or at SIGTERM/SIGINT (between nodes).
MLPIPE_DECL watch_result watch(const watch_settings& w);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/watch.ipp>
#endif
