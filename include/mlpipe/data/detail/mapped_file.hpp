// mlpipe/data/detail/mapped_file.hpp: a read-only memory map of a whole file followed by zero bytes, so the CSV
// parsers read the page cache directly (no copy) and may look up to a page past the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <utility>

#if defined(__unix__) || defined(__APPLE__)
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#define MLPIPE_HAVE_MMAP 1
#else
#define MLPIPE_HAVE_MMAP 0
#endif

namespace mlpipe::detail {

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
#else
    (void)file;
#endif
  }
  mapped_file(mapped_file&& o) noexcept
      : data_(std::exchange(o.data_, nullptr)), size_(std::exchange(o.size_, 0)),
        reserved_(std::exchange(o.reserved_, 0)), released_(std::exchange(o.released_, 0)) {}
  mapped_file& operator=(mapped_file&& o) noexcept {
    if (this != &o) {
      unmap();
      data_ = std::exchange(o.data_, nullptr);
      size_ = std::exchange(o.size_, 0);
      reserved_ = std::exchange(o.reserved_, 0);
      released_ = std::exchange(o.released_, 0);
    }
    return *this;
  }
  mapped_file(const mapped_file&) = delete;
  mapped_file& operator=(const mapped_file&) = delete;
  ~mapped_file() { unmap(); }

  explicit operator bool() const noexcept { return data_ != nullptr; }
  const char* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }

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

 private:
  void unmap() noexcept {
#if MLPIPE_HAVE_MMAP
    if (data_) ::munmap(const_cast<char*>(data_), reserved_);
#endif
    data_ = nullptr;
  }

  const char* data_ = nullptr;
  std::size_t size_ = 0, reserved_ = 0, released_ = 0;
};

}  // namespace mlpipe::detail
