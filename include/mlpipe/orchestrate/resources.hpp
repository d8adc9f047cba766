// mlpipe/orchestrate/resources.hpp: per-node resources, one flag for every engine:
// `--resources NODE:cpus=4,mem=8G,time=1h,ranks=2` (NODE `*` for every node), parsed and checked once.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/orchestrate/dag.hpp>

namespace mlpipe::orchestrate {

/// What one node asks of the engine; 0 means the engine's default.
struct resources {
  int cpus = 0;
  std::uint64_t mem_mib = 0;     // memory in MiB
  std::uint64_t time_s = 0;      // wall-clock limit in seconds
  int ranks = 0;                 // MPI ranks of a data-parallel node (launched with mpirun); 0 or 1: one process
};

namespace detail {
MLPIPE_DECL std::uint64_t parse_count(std::string_view s, std::string_view what);
/// "512M", "8G", "1T", "4096" (MiB) -> MiB.
MLPIPE_DECL std::uint64_t parse_memory(std::string_view s);
/// "90s", "30m", "1h", "2d", "1h30m", "HH:MM:SS", "MM" (minutes, as sbatch reads a bare number) -> seconds.
MLPIPE_DECL std::uint64_t parse_duration(std::string_view s);
}  // namespace detail

/// Per node resources from `--resources` values. Throws std::invalid_argument naming the value and the fault
/// (an unknown node, key or unit); `*` sets every node, a node's own entry wins.
MLPIPE_DECL std::map<std::string, resources, std::less<>> parse_resources(const std::vector<std::string>& specs, const dag& d);

/// SLURM's time format (D-HH:MM:SS).
MLPIPE_DECL std::string slurm_time(std::uint64_t s);

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/resources.ipp>
#endif
