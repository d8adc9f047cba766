// mlpipe/orchestrate/impl/watch.ipp: bodies of orchestrate/watch.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include <mlpipe/data/span.hpp>
#include <mlpipe/orchestrate/watch.hpp>

namespace mlpipe::orchestrate {

namespace detail {
MLPIPE_DECL void on_stop_signal(int sig) {
  stop_signal().store(sig);
  std::signal(sig, SIG_DFL);  // a second signal ends the process at once
}

MLPIPE_DECL std::string span_signature(const span_files& s) {
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

MLPIPE_DECL void stopping_observer::run_started(std::string_view p, std::string_view id, std::span<const std::string> n) {
  inner_.run_started(p, id, n);
}

MLPIPE_DECL std::optional<std::vector<artifact_ref>> stopping_observer::find_cached(const node_info& n,
                                                                                    std::span<const artifact_ref> in) {
  check(n);
  return inner_.find_cached(n, in);
}

MLPIPE_DECL void stopping_observer::node_cached(const node_info& n, std::span<const artifact_ref> in,
                                                std::span<const artifact_ref> out) {
  inner_.node_cached(n, in, out);
}

MLPIPE_DECL std::filesystem::path stopping_observer::node_started(const node_info& n, std::span<const artifact_ref> in) {
  check(n);
  return inner_.node_started(n, in);
}

MLPIPE_DECL void stopping_observer::node_succeeded(const node_info& n, std::span<const artifact_ref> out,
                                                   std::span<const std::pair<std::string, property_value>> r) {
  inner_.node_succeeded(n, out, r);
}

MLPIPE_DECL void stopping_observer::node_failed(const node_info& n, std::string_view e) { inner_.node_failed(n, e); }

MLPIPE_DECL void stopping_observer::node_skipped(const node_info& n, std::string_view why) {
  if (int sig = stop_signal().load(); sig != 0)  // its input was the node the signal stopped
    inner_.node_skipped(n, "stopped by signal " + std::to_string(sig) + " (" + std::string(why) + ")");
  else
    inner_.node_skipped(n, why);
}

MLPIPE_DECL void stopping_observer::run_finished(bool ok) { inner_.run_finished(ok); }

MLPIPE_DECL std::vector<std::pair<std::string, property_value>> stopping_observer::cached_records(const node_info& n) {
  return inner_.cached_records(n);
}

MLPIPE_DECL void stopping_observer::check(const node_info& n) {
  if (int sig = stop_signal().load(); sig != 0) {
    std::string why = "stopped by signal " + std::to_string(sig);
    inner_.node_skipped(n, why);
    throw std::runtime_error(why);
  }
}

MLPIPE_DECL watch_result watch(const watch_settings& w) {
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
