// mlpipe/parallel/communicator.hpp: MPI as mlpipe's collective (sums reduced in rank order, byte gathers), the
// session that initialises MPI only when the process was launched by mpirun, and agreement on errors.
#pragma once

#include <mpi.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <limits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <mlpipe/core/collective.hpp>

namespace mlpipe::parallel {

/// An error one rank met, reported on every rank: "rank R: <what>" (the lowest failing rank first).
class parallel_error : public std::runtime_error {
 public:
  parallel_error(int rank, const std::string& what)
      : std::runtime_error("rank " + std::to_string(rank) + ": " + what), rank_(rank) {}
  int rank() const noexcept { return rank_; }

 private:
  int rank_;
};

namespace detail {
inline void check_mpi(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, msg, &len);
  throw std::runtime_error(std::string("MPI ") + what + " failed: " + std::string(msg, static_cast<std::size_t>(len)));
}
/// Seconds this process spent in mlpipe's MPI calls (waiting for slower ranks included): the communication
/// share of a run's time (printed at the end when MLPIPE_PARALLEL_TIMES is set).
inline double& seconds_in_mpi() {
  static double s = 0;
  return s;
}
struct mpi_timer {
  std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
  ~mpi_timer() { seconds_in_mpi() += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(); }
};
inline int to_int(std::size_t n) {
  if (n > static_cast<std::size_t>(std::numeric_limits<int>::max()))
    throw std::length_error("MPI message of " + std::to_string(n) + " bytes exceeds INT_MAX");
  return static_cast<int>(n);
}
}  // namespace detail

/// Whether this process was started by an MPI launcher (mpirun, srun with PMIx): then MPI_Init joins the
/// other ranks; otherwise initialising MPI would only make a world of one.
inline bool launched_by_mpirun() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK", "PMI_SIZE"})
    if (std::getenv(v)) return true;
  return false;
}

/// Initialises MPI for the lifetime of the object when launched by mpirun and MPI is not initialised yet, and
/// finalises what it initialised. Outside mpirun it does nothing: the program runs as one process.
class mpi_session {
 public:
  mpi_session(int* argc, char*** argv) {
    int done = 0;
    MPI_Initialized(&done);
    if (done || !launched_by_mpirun()) return;
    int provided = 0;
    detail::check_mpi(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    owned_ = true;
    start_ = std::chrono::steady_clock::now();
  }
  mpi_session(const mpi_session&) = delete;
  mpi_session& operator=(const mpi_session&) = delete;
  ~mpi_session() {
    int finalized = 0;
    MPI_Finalized(&finalized);
    if (owned_ && !finalized) {
      if (std::getenv("MLPIPE_PARALLEL_TIMES")) {
        int rank = 0;
        MPI_Comm_rank(MPI_COMM_WORLD, &rank);
        const double all = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        std::fprintf(stderr, "mlpipe: rank %d: %.3f s in MPI calls of %.3f s (%.1f%%)\n", rank, detail::seconds_in_mpi(),
                     all, all > 0 ? 100 * detail::seconds_in_mpi() / all : 0.0);
      }
      MPI_Finalize();
    }
  }
  bool initialised_here() const noexcept { return owned_; }

 private:
  bool owned_ = false;
  std::chrono::steady_clock::time_point start_{};
};

/// An MPI communicator (MPI_COMM_WORLD by default) as mlpipe's collective.
class mpi_communicator final : public collective {
 public:
  explicit mpi_communicator(MPI_Comm comm = MPI_COMM_WORLD) : comm_(comm) {
    MPI_Comm_rank(comm_, &rank_);
    MPI_Comm_size(comm_, &size_);
  }
  int rank() const override { return rank_; }
  int size() const override { return size_; }

  // Reduce at rank 0 then broadcast: the sum is computed once, in a fixed order, so every rank holds the same
  // bits (an allreduce may combine in different orders on different ranks).
  void sum(std::span<double> v) const override { reduce_bcast(v.data(), v.size(), MPI_DOUBLE); }
  void sum(std::span<std::uint64_t> v) const override { reduce_bcast(v.data(), v.size(), MPI_UINT64_T); }

  std::vector<std::string> all_gather(std::string_view bytes) const override {
    detail::mpi_timer timer;
    auto n = detail::to_int(bytes.size());
    std::vector<int> sizes(static_cast<std::size_t>(size_)), offs(static_cast<std::size_t>(size_));
    detail::check_mpi(MPI_Allgather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, comm_), "MPI_Allgather");
    std::size_t total = 0;
    for (int r = 0; r < size_; ++r) offs[static_cast<std::size_t>(r)] = detail::to_int(total), total += static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]);
    std::string all(total, '\0');
    detail::check_mpi(MPI_Allgatherv(bytes.data(), n, MPI_CHAR, all.data(), sizes.data(), offs.data(), MPI_CHAR, comm_),
                      "MPI_Allgatherv");
    return split(all, sizes, offs);
  }

  std::vector<std::string> gather(std::string_view bytes, int root) const override {
    detail::mpi_timer timer;
    auto n = detail::to_int(bytes.size());
    std::vector<int> sizes(static_cast<std::size_t>(size_)), offs(static_cast<std::size_t>(size_));
    detail::check_mpi(MPI_Gather(&n, 1, MPI_INT, sizes.data(), 1, MPI_INT, root, comm_), "MPI_Gather");
    std::size_t total = 0;
    if (rank_ == root)
      for (int r = 0; r < size_; ++r) offs[static_cast<std::size_t>(r)] = detail::to_int(total), total += static_cast<std::size_t>(sizes[static_cast<std::size_t>(r)]);
    std::string all(total, '\0');
    detail::check_mpi(MPI_Gatherv(bytes.data(), n, MPI_CHAR, all.data(), sizes.data(), offs.data(), MPI_CHAR, root, comm_),
                      "MPI_Gatherv");
    if (rank_ != root) return {};
    return split(all, sizes, offs);
  }

  std::string broadcast(std::string bytes, int root) const override {
    detail::mpi_timer timer;
    std::uint64_t n = bytes.size();
    detail::check_mpi(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast");
    bytes.resize(static_cast<std::size_t>(n));
    detail::check_mpi(MPI_Bcast(bytes.data(), detail::to_int(bytes.size()), MPI_CHAR, root, comm_), "MPI_Bcast");
    return bytes;
  }

 private:
  void reduce_bcast(void* data, std::size_t n, MPI_Datatype t) const {
    if (n == 0) return;
    detail::mpi_timer timer;
    const int count = detail::to_int(n);
    detail::check_mpi(MPI_Reduce(rank_ == 0 ? MPI_IN_PLACE : data, data, count, t, MPI_SUM, 0, comm_), "MPI_Reduce");
    detail::check_mpi(MPI_Bcast(data, count, t, 0, comm_), "MPI_Bcast");
  }
  static std::vector<std::string> split(const std::string& all, const std::vector<int>& sizes,
                                        const std::vector<int>& offs) {
    std::vector<std::string> out;
    out.reserve(sizes.size());
    for (std::size_t r = 0; r < sizes.size(); ++r)
      out.emplace_back(all, static_cast<std::size_t>(offs[r]), static_cast<std::size_t>(sizes[r]));
    return out;
  }

  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

/// The world this process works in: MPI_COMM_WORLD when MPI is initialised with more than one rank, otherwise
/// nothing (MPI not initialised, or a world of one): the caller then works alone, as a single process does.
inline std::optional<mpi_communicator> world() {
  int init = 0, fin = 0;
  MPI_Initialized(&init);
  MPI_Finalized(&fin);
  if (!init || fin) return std::nullopt;
  mpi_communicator w;
  if (w.size() <= 1) return std::nullopt;
  return w;
}

/// Runs `f` on every rank and agrees on the outcome: when any rank throws, every rank throws a parallel_error
/// naming the lowest failing rank and its message (so no rank waits forever for one that gave up).
template <class F>
void agree(const collective& c, F&& f) {
  std::string error;
  try {
    f();
  } catch (const std::exception& e) {
    error = e.what();
    if (error.empty()) error = "an error without a message";
  } catch (...) {
    error = "an unknown exception";
  }
  std::uint64_t failed = error.empty() ? 0 : 1;
  if (c.sum(failed) == 0) return;
  auto all = c.all_gather(error);
  for (int r = 0; r < c.size(); ++r)
    if (!all[static_cast<std::size_t>(r)].empty()) throw parallel_error(r, all[static_cast<std::size_t>(r)]);
}

}  // namespace mlpipe::parallel
