// mlpipe/data/impl/mapped_file.ipp: bodies of data/detail/mapped_file.hpp's non-template functions (compiled once
// into libmlpipe by src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mutex>

#include <mlpipe/data/detail/mapped_file.hpp>

#if MLPIPE_HAVE_MMAP
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

namespace mlpipe::detail {

#if MLPIPE_HAVE_MMAP
MLPIPE_DECL sigbus_guard::slot* sigbus_guard::add(const void* begin, std::size_t size) noexcept {
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

MLPIPE_DECL void sigbus_guard::remove(slot* s) noexcept {
  if (!s) return;
  s->end.store(0);
  s->begin.store(0);
}

MLPIPE_DECL std::array<sigbus_guard::slot, sigbus_guard::slots>& sigbus_guard::table() noexcept {
  static std::array<slot, slots> t;
  return t;
}

MLPIPE_DECL struct sigaction& sigbus_guard::previous() noexcept {
  static struct sigaction p {};
  return p;
}

MLPIPE_DECL void sigbus_guard::install() noexcept {
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

MLPIPE_DECL void sigbus_guard::handler(int sig, siginfo_t* info, void* ctx) {
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
#endif

MLPIPE_DECL mapped_file::mapped_file(const std::filesystem::path& file) noexcept {
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

MLPIPE_DECL void mapped_file::release_before(std::size_t upto) noexcept {
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

MLPIPE_DECL void mapped_file::release(std::size_t from, std::size_t to) noexcept {
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

MLPIPE_DECL void mapped_file::unmap() noexcept {
#if MLPIPE_HAVE_MMAP
  sigbus_guard::remove(std::exchange(guard_, nullptr));
  if (data_) ::munmap(const_cast<char*>(data_), reserved_);
#endif
  data_ = nullptr;
}

}  // namespace mlpipe::detail
