// mlpipe/core/run_options.hpp: how a run goes: threads, the observer that records and caches it, its id, where
// stages' messages go, and whether each node is timed. Plain data, no pipeline type.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include <mlpipe/core/collective.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/observer.hpp>

namespace mlpipe {

/// The most threads a run (and every command line's `--threads`) takes.
inline constexpr std::size_t max_threads = 256;

struct run_options {
  /// Threads for independent nodes (1: one after another on the calling thread; at most max_threads).
  std::size_t threads = 1;
  /// Records the run and serves cached nodes (a metadata store's recorder); none by default.
  run_observer* observer = nullptr;
  /// The run's id; generated (UTC time and a random suffix) when empty.
  std::string run_id = {};
  /// Where stages' ctx.log() messages go; dropped when empty.
  std::function<void(std::string_view node, std::string_view message)> log = {};
  /// Measures each node's duration (result.seconds(node)). On one thread without an observer the run then
  /// takes the careful path (a clock read around each node) instead of the straight-line one.
  bool time_nodes = false;
  /// run_node under mpirun: the ranks of the run. A data-parallel stage (is_data_parallel) then works on its
  /// share of the rows on every rank and only rank 0 saves the outputs; other stages ignore it.
  const mlpipe::collective* collective = nullptr;
};

/// A fresh run id: UTC time to the second and a random suffix, e.g. "20261127T071502Z-3fa9c2".
MLPIPE_DECL std::string make_run_id();

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/run_options.ipp>
#endif
