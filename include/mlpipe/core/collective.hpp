// mlpipe/core/collective.hpp: the sums and gathers that processes of one data-parallel run exchange (an MPI
// communicator implements it, see parallel/communicator.hpp); stages use it without depending on MPI.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mlpipe {

/// The processes ("ranks") of a data-parallel run, each holding its own shard of the data. Every call is
/// collective: all ranks make it, in the same order. Results are identical on every rank (sums are reduced in
/// rank order at rank 0, then broadcast), so ranks that iterate on them (Newton) take the same decisions.
class collective {
 public:
  virtual ~collective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  /// Element-wise sum over ranks, in place.
  virtual void sum(std::span<double> values) const = 0;
  virtual void sum(std::span<std::uint64_t> values) const = 0;
  /// Every rank's bytes, in rank order, on every rank.
  virtual std::vector<std::string> all_gather(std::string_view bytes) const = 0;
  /// Every rank's bytes, in rank order, at `root` (other ranks get an empty vector).
  virtual std::vector<std::string> gather(std::string_view bytes, int root) const = 0;
  /// `root`'s bytes on every rank.
  virtual std::string broadcast(std::string bytes, int root) const = 0;

  bool is_root() const { return rank() == 0; }
  double sum(double v) const {
    sum(std::span<double>(&v, 1));
    return v;
  }
  std::uint64_t sum(std::uint64_t v) const {
    sum(std::span<std::uint64_t>(&v, 1));
    return v;
  }
  /// The sum of `v` over the ranks before this one (an exclusive prefix sum): e.g. a shard's first global row.
  std::uint64_t exclusive_prefix_sum(std::uint64_t v) const {
    std::vector<std::uint64_t> all(static_cast<std::size_t>(size()), 0);
    all[static_cast<std::size_t>(rank())] = v;
    sum(std::span<std::uint64_t>(all));
    std::uint64_t before = 0;
    for (int r = 0; r < rank(); ++r) before += all[static_cast<std::size_t>(r)];
    return before;
  }
};

/// Whether a stage runs data-parallel when its node is run under mpirun (`mpirun -np N prog --run-node NODE`):
/// it declares `static constexpr bool data_parallel = true;`, each rank then works on its share of the rows and
/// rank 0 alone writes the outputs. Orchestrators read it to launch the node on N ranks (SLURM: sbatch -n N
/// with mpirun); other stages run as one process.
template <class S>
inline constexpr bool is_data_parallel = requires {
  requires static_cast<bool>(S::data_parallel);
};

}  // namespace mlpipe
