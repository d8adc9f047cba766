// mlpipe/data/detail/mapped_file.hpp: a read-only memory map of a whole file followed by zero bytes, so the CSV
// parsers read the page cache directly (no copy) and may look up to a page past the end; a file that shrinks
// while mapped is reported, not a crash.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
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
  static slot* add(const void* begin, std::size_t size) noexcept {
    install();
    for (auto& s : table()) {
      std::uintptr_t expect = 0;
      if (s.begin.compare_exchange_strong(expect, 1)) {  // 1: taken, range not yet visible to the handler
        s.cut.store(false);
        s.end.store(reinterpret_cast<std::uintptr_t>(begin) + size);
        s.begin.store(reinterpret_cast<std::uintptr_t>(begin));
        return &s;
      }
    }
    return nullptr;
  }
  static void remove(slot* s) noexcept {
    if (!s) return;
    s->end.store(0);
    s->begin.store(0);
  }

 private:
  static std::array<slot, slots>& table() noexcept {
    static std::array<slot, slots> t;
    return t;
  }
  static struct sigaction& previous() noexcept {
    static struct sigaction p {};
    return p;
  }
  static void install() noexcept {
    static std::once_flag once;
    std::call_once(once, [] {
      (void)table();
      struct sigaction sa {};
      sa.sa_sigaction = &handler;
      sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
      sigemptyset(&sa.sa_mask);
      ::sigaction(SIGBUS, &sa, &previous());
    });
  }
  static void handler(int sig, siginfo_t* info, void* ctx) {
    const auto addr = reinterpret_cast<std::uintptr_t>(info ? info->si_addr : nullptr);
    for (auto& s : table()) {
      const std::uintptr_t b = s.begin.load(), e = s.end.load();
      if (b > 1 && addr >= b && addr < e) {
        const auto page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
        void* p = reinterpret_cast<void*>(addr / page * page);
        if (::mmap(p, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
          s.cut.store(true);
          return;  // the read is retried and finds zeros
        }
      }
    }
    const struct sigaction& prev = previous();
    if (prev.sa_flags & SA_SIGINFO) {
      if (prev.sa_sigaction) return prev.sa_sigaction(sig, info, ctx);
    } else if (prev.sa_handler != SIG_DFL && prev.sa_handler != SIG_IGN) {
      return prev.sa_handler(sig);
    }
    ::signal(SIGBUS, SIG_DFL);  // default action: the fault recurs on return and ends the process as before
  }
};
#endif

/// The file's bytes at data(), size() of them, then at least one page of zeros. Empty (false) when the file
/// could not be mapped (or is empty): callers then read it the ordinary way.
class mapped_file {
 public:
  mapped_file() = default;
  explicit mapped_file(const std::filesystem::path& file) noexcept {
#if MLPIPE_HAVE_MMAP
    int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size <= 0) {
      ::close(fd);
      return;
    }
    const auto size = static_cast<std::size_t>(st.st_size);
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    const std::size_t reserve = (size + page - 1) / page * page + page;
    // Reserve zero pages first, then lay the file over their start: the page after it stays zeros.
    void* r = ::mmap(nullptr, reserve, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (r == MAP_FAILED) {
      ::close(fd);
      return;
    }
    void* f = ::mmap(r, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    ::close(fd);
    if (f == MAP_FAILED) {
      ::munmap(r, reserve);
      return;
    }
    ::madvise(r, size, MADV_SEQUENTIAL);
    data_ = static_cast<const char*>(r);
    size_ = size;
    reserved_ = reserve;
    guard_ = sigbus_guard::add(r, size);
#else
    (void)file;
#endif
  }
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
  void release_before(std::size_t upto) noexcept {
#if MLPIPE_HAVE_MMAP
    if (!data_) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    upto = upto / page * page;
    if (upto <= released_) return;
    ::madvise(const_cast<char*>(data_) + released_, upto - released_, MADV_DONTNEED);
    released_ = upto;
#else
    (void)upto;
#endif
  }

  /// Drops the whole pages within [from, to) from the process's memory, as release_before() does, for a range
  /// read ahead of the parser (which faults them in again from the page cache when it gets there).
  void release(std::size_t from, std::size_t to) noexcept {
#if MLPIPE_HAVE_MMAP
    if (!data_) return;
    const auto page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
    from = (from + page - 1) / page * page;
    to = to / page * page;
    if (from < to) ::madvise(const_cast<char*>(data_) + from, to - from, MADV_DONTNEED);
#else
    (void)from, (void)to;
#endif
  }

 private:
  void unmap() noexcept {
#if MLPIPE_HAVE_MMAP
    sigbus_guard::remove(std::exchange(guard_, nullptr));
    if (data_) ::munmap(const_cast<char*>(data_), reserved_);
#endif
    data_ = nullptr;
  }

  const char* data_ = nullptr;
  std::size_t size_ = 0, reserved_ = 0, released_ = 0;
#if MLPIPE_HAVE_MMAP
  sigbus_guard::slot* guard_ = nullptr;
#else
  void* guard_ = nullptr;
#endif
};

}  // namespace mlpipe::detail
