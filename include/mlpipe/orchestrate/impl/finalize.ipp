// mlpipe/orchestrate/impl/finalize.ipp: bodies of orchestrate/finalize.hpp's non-template functions (compiled
// once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/observer.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/store.hpp>
#include <mlpipe/orchestrate/finalize.hpp>

namespace mlpipe::orchestrate {

MLPIPE_DECL run_closing finalize_run(metadata::store& s, const dag& d, std::string_view run_id,
                                     const std::filesystem::path& root) {
  using metadata::execution_state;
  metadata::recorder rec(s, root);
  rec.join_run(d.pipeline, run_id);
  enum class seen { none, done, failed, canceled };
  std::map<std::string, seen, std::less<>> state;
  run_closing out;
  for (auto& e : s.get_executions_by_context(rec.run_context_id())) {
    auto node = metadata::detail::prop_string(e.custom_properties, metadata::names::node_name);
    seen now = seen::none;
    if (e.state == execution_state::complete || e.state == execution_state::cached) {
      now = seen::done;
    } else if (e.state == execution_state::failed) {
      now = seen::failed;
    } else if (e.state == execution_state::running || e.state == execution_state::new_) {
      // its job is over (the finalizer runs after every job): killed, out of time, or its machine lost
      metadata::execution u;
      u.id = e.id;
      u.type_id = e.type_id;
      u.state = execution_state::canceled;
      u.custom_properties[std::string(metadata::names::abandoned)] = true;
      s.put_execution(u);
      for (auto& ev : s.get_events_by_execution_ids(std::span<const std::int64_t>(&e.id, 1)))
        if (metadata::store::is_output(ev.type)) s.set_artifact_state(ev.artifact_id, metadata::artifact_state::abandoned);
      out.abandoned.push_back(node);
      now = seen::failed;
    } else {
      now = seen::canceled;
    }
    auto& st = state[node];
    if (now == seen::done || (now == seen::failed && st != seen::done) || st == seen::none) st = now;
  }
  for (auto& n : d.nodes) {
    auto st = state[n.name];
    if (st == seen::done) {
      out.done.push_back(n.name);
      continue;
    }
    if (st == seen::failed) {
      out.failed.push_back(n.name);
      continue;
    }
    out.canceled.push_back(n.name);
    if (st == seen::canceled) continue;  // recorded by an earlier finalize
    std::string why = "the run ended before it started";
    for (auto& p : dag::producers(n)) {
      auto ps = state[p];
      if (ps == seen::done) continue;
      why = "input '" + p + "' " + (ps == seen::failed ? "failed" : "was not run");
      break;
    }
    node_info info{d.pipeline, n.name, n.stage, n.version, &n.parameters, 0};
    rec.node_skipped(info, why);
    state[n.name] = seen::canceled;
  }
  out.ok = out.failed.empty() && out.canceled.empty();
  rec.run_finished(out.ok);
  return out;
}

}  // namespace mlpipe::orchestrate
