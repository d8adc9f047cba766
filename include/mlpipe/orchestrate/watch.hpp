// mlpipe/orchestrate/watch.hpp: retrain when new data arrives: polls a {SPAN} pattern and runs the pipeline
// once per new complete span, oldest first; SIGTERM/SIGINT end it between nodes, never inside a record.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <mlpipe/core/observer.hpp>
#include <mlpipe/data/span.hpp>

namespace mlpipe::orchestrate {

/// Set by SIGTERM/SIGINT while a watch runs (0: none): the run in progress stops before its next node.
inline std::atomic<int>& stop_signal() noexcept {
  static std::atomic<int> s{0};
  return s;
}

namespace detail {
inline void on_stop_signal(int sig) {
  stop_signal().store(sig);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

/// A span's files with their sizes and modification times: equal in two polls means nobody is writing it.
inline std::string span_signature(const span_files& s) {
  std::string sig;
  for (auto& f : s.files) {
    std::error_code ec;
    auto size = std::filesystem::file_size(f, ec);
    auto t = std::filesystem::last_write_time(f, ec);
    sig += f.string() + ":" + std::to_string(size) + ":" + std::to_string(t.time_since_epoch().count()) + ";";
  }
  return sig;
}
}  // namespace detail

/// Wraps a run's observer so that, once a stop signal came, the next node is not started: it is recorded as
/// canceled ("stopped by signal N") and the run ends (its remaining nodes canceled, the run FAILED). The node
/// executing when the signal came finishes and is recorded whole.
class stopping_observer final : public run_observer {
 public:
  explicit stopping_observer(run_observer& inner) : inner_(inner) {}
  void run_started(std::string_view p, std::string_view id, std::span<const std::string> n) override {
    inner_.run_started(p, id, n);
  }
  std::optional<std::vector<artifact_ref>> find_cached(const node_info& n, std::span<const artifact_ref> in) override {
    check(n);
    return inner_.find_cached(n, in);
  }
  void node_cached(const node_info& n, std::span<const artifact_ref> in, std::span<const artifact_ref> out) override {
    inner_.node_cached(n, in, out);
  }
  std::filesystem::path node_started(const node_info& n, std::span<const artifact_ref> in) override {
    check(n);
    return inner_.node_started(n, in);
  }
  void node_succeeded(const node_info& n, std::span<const artifact_ref> out,
                      std::span<const std::pair<std::string, property_value>> r) override {
    inner_.node_succeeded(n, out, r);
  }
  void node_failed(const node_info& n, std::string_view e) override { inner_.node_failed(n, e); }
  void node_skipped(const node_info& n, std::string_view why) override {
    if (int sig = stop_signal().load(); sig != 0)  // its input was the node the signal stopped
      inner_.node_skipped(n, "stopped by signal " + std::to_string(sig) + " (" + std::string(why) + ")");
    else
      inner_.node_skipped(n, why);
  }
  void run_finished(bool ok) override { inner_.run_finished(ok); }
  std::vector<std::pair<std::string, property_value>> cached_records(const node_info& n) override {
    return inner_.cached_records(n);
  }

 private:
  void check(const node_info& n) {
    if (int sig = stop_signal().load(); sig != 0) {
      std::string why = "stopped by signal " + std::to_string(sig);
      inner_.node_skipped(n, why);
      throw std::runtime_error(why);
    }
  }
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
inline watch_result watch(const watch_settings& w) {
  watch_result out;
  stop_signal().store(0);
  auto old_term = std::signal(SIGTERM, detail::on_stop_signal);
  auto old_int = std::signal(SIGINT, detail::on_stop_signal);
  auto say = [&](const std::string& s) {
    if (w.log) w.log(s);
  };
  auto list = [&]() -> std::vector<span_files> {
    try {
      return find_spans(w.pattern);
    } catch (const span_error&) {
      return {};  // nothing there yet
    }
  };
  auto run = [&](std::int64_t span) {
    span_limit().store(span);
    say("span " + std::to_string(span) + ": run " + std::to_string(out.spans.size() + 1));
    int code = w.run_span(span);
    span_limit().store(-1);
    out.spans.push_back(span);
    out.codes.push_back(code);
    say("span " + std::to_string(span) + ": " + (code == 0 ? "done" : "failed (exit " + std::to_string(code) + ")"));
  };
  auto enough = [&] { return (w.max_runs && out.spans.size() >= w.max_runs) || stop_signal().load() != 0; };

  std::int64_t last = -1;  // the newest span handled (run, or already run before the watch started)
  std::map<std::int64_t, std::string> pending;  // newer spans seen once: their signatures
  auto spans = list();
  if (!spans.empty()) {
    last = spans.back().span;
    if (!w.has_run(last)) run(last);
    else say("span " + std::to_string(last) + ": already run (the store has it)");
  }
  say("watching " + w.pattern + (last >= 0 ? " for spans after " + std::to_string(last) : std::string()));
  while (!enough()) {
    auto until = std::chrono::steady_clock::now() + w.poll;
    while (std::chrono::steady_clock::now() < until && stop_signal().load() == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (stop_signal().load() != 0) break;
    std::vector<std::int64_t> ready;
    std::map<std::int64_t, std::string> seen;
    for (auto& s : list()) {
      if (s.span <= last) continue;
      auto sig = detail::span_signature(s);
      if (auto it = pending.find(s.span); it != pending.end() && it->second == sig) ready.push_back(s.span);
      seen[s.span] = sig;
    }
    pending = std::move(seen);
    // Oldest first; a span still being written stops the ones after it (they run in order, when it is done).
    for (auto span : ready) {
      if (enough()) break;
      if (!pending.count(span)) continue;
      bool older_pending = false;
      for (auto& [s, sig] : pending) older_pending = older_pending || (s < span && std::find(ready.begin(), ready.end(), s) == ready.end());
      if (older_pending) break;
      run(span);
      last = span;
      pending.erase(span);
    }
  }
  out.stopped_by = stop_signal().load();
  std::signal(SIGTERM, old_term);
  std::signal(SIGINT, old_int);
  return out;
}

}  // namespace mlpipe::orchestrate
