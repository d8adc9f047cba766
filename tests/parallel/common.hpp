// Shared by the data-parallel tests: the world (or none), a directory every rank sees, files written once.
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <mlpipe/parallel/communicator.hpp>

namespace mlpipe::test {

/// This run's world: MPI_COMM_WORLD under mpirun with more than one rank, else nullptr (one process).
inline const collective* world() {
  static std::optional<parallel::mpi_communicator> w = parallel::world();
  return w ? &*w : nullptr;
}
inline int rank() { return world() ? world()->rank() : 0; }
inline int ranks() { return world() ? world()->size() : 1; }
inline void barrier() {
  if (world()) (void)world()->sum(std::uint64_t{0});
}

/// A fresh directory named by rank 0 (same path on every rank).
inline std::filesystem::path shared_dir(const std::string& name) {
  std::string p;
  if (rank() == 0) {
    auto d = std::filesystem::temp_directory_path() / ("mlpipe_test_parallel_" + name + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(d);
    std::filesystem::create_directories(d);
    p = d.string();
  }
  if (world()) p = world()->broadcast(p, 0);
  return p;
}

/// Rank 0 writes `text` to `file`; every rank returns once it is there.
inline void write_once(const std::filesystem::path& file, const std::string& text) {
  if (rank() == 0) std::ofstream(file, std::ios::binary) << text;
  barrier();
}

inline bool close_rel(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  return std::abs(a - b) <= rel * std::max({1e-300, std::abs(a), std::abs(b)});
}

}  // namespace mlpipe::test
