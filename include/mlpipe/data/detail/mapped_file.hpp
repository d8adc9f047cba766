// mlpipe/data/detail/mapped_file.hpp: a read-only memory map of a whole file followed by zero bytes, so the CSV
// parsers read the page cache directly (no copy) and may look up to a page past the end; a file that shrinks
// while mapped is reported, not a crash.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <utility>

#include <mlpipe/core/detail/decl.hpp>

#if defined(__unix__) || defined(__APPLE__)
#include <signal.h>
#define MLPIPE_HAVE_MMAP 1
#else
#define MLPIPE_HAVE_MMAP 0
#endif

namespace mlpipe::detail {

#if MLPIPE_HAVE_MMAP
/// Reading a page of a mapped file that another process has truncated raises SIGBUS, which would kill the
/// process. The guard keeps the address ranges of live maps; its SIGBUS handler, for a fault inside one of them,
/// lays a page of zeros over the faulting page, marks that map as cut short and lets the read go on. The reader
/// checks the mark after parsing and reports the file as changed while being read. Faults anywhere else go to
/// the handler that was installed before (or the default action). Async-signal-safe: atomics and mmap only.
class sigbus_guard {
 public:
  static constexpr std::size_t slots = 64;
  struct slot {
    std::atomic<std::uintptr_t> begin{0}, end{0};
    std::atomic<bool> cut{false};
  };

  /// A slot holding [begin, end), or nullptr when all are taken (the map then goes unguarded).
  static slot* add(const void* begin, std::size_t size) noexcept;
  static void remove(slot* s) noexcept;

 private:
  static std::array<slot, slots>& table() noexcept;
  static struct sigaction& previous() noexcept;
  static void install() noexcept;
  static void handler(int sig, siginfo_t* info, void* ctx);
};
#endif

/// The file's bytes at data(), size() of them, then at least one page of zeros. Empty (false) when the file
/// could not be mapped (or is empty): callers then read it the ordinary way.
class mapped_file {
 public:
  mapped_file() = default;
  explicit mapped_file(const std::filesystem::path& file) noexcept;
  mapped_file(mapped_file&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        reserved_(std::exchange(o.reserved_, 0)), released_(std::exchange(o.released_, 0)),
        guard_(std::exchange(o.guard_, nullptr)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      reserved_ = std::exchange(o.reserved_, 0);
      released_ = std::exchange(o.released_, 0);
      guard_ = std::exchange(o.guard_, nullptr);
    }
    return *this;
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file() { unmap(); }

  explicit operator bool() const noexcept { return data_ != nullptr; }
  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

  /// Whether the file shrank while mapped: some of its pages read as zeros instead of its bytes.
  bool cut_short() const noexcept {
#if MLPIPE_HAVE_MMAP
    return guard_ && guard_->cut.load();
#else
    return false;
#endif
  }

  /// Drops the pages wholly before byte `upto` from the process's memory (they stay in the page cache and
  /// would fault back in if read again): keeps a streamed file's resident memory bounded.
  void release_before(std::size_t upto) noexcept;

  /// Drops the whole pages within [from, to) from the process's memory, as release_before() does, for a range
  /// read ahead of the parser (which faults them in again from the page cache when it gets there).
  void release(std::size_t from, std::size_t to) noexcept;

 private:
  void unmap() noexcept;

  const char* data_ = nullptr;
  std::size_t size_ = 0, reserved_ = 0, released_ = 0;
#if MLPIPE_HAVE_MMAP
  sigbus_guard::slot* guard_ = nullptr;
#else
  void* guard_ = nullptr;
#endif
};

}  // namespace mlpipe::detail

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/data/impl/mapped_file.ipp>
#endif
