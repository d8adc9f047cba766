// tests/support/shell.hpp: what the tests that drive programs as a user does share: a temporary folder removed
// at scope exit, shell quoting, and running a command line with its standard output captured.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <random>
#include <string>
#include <string_view>
#include <system_error>

namespace mlpipe::test_support {

/// A fresh folder under the system temp dir (named for the test, unique per process and call), removed at scope exit.
struct temp_dir {
  std::filesystem::path path;
  explicit temp_dir(std::string_view name = "test") {
    static std::atomic<unsigned> n{0};
    std::random_device rd;
    path = std::filesystem::temp_directory_path() /
           ("mlpipe-" + std::string(name) + "-" + std::to_string(::getpid()) + "-" + std::to_string(n++) + "-" +
            std::to_string(rd() % 1000000));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  ~temp_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

/// One word for /bin/sh, whatever it holds.
inline std::string quote(std::string_view s) {
  std::string r = "'";
  for (char c : s) r += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return r + "'";
}

struct outcome {
  int code = -1;    // the exit status; -1 when killed by a signal
  std::string out;  // standard output
};

/// Runs a shell command line with its standard output captured; its standard error is appended to `log`, or,
/// when `log` is empty, goes to the test's own (where ctest shows it when the test fails).
inline outcome sh(const std::string& cmd, const std::filesystem::path& log = {}) {
  outcome o;
  const std::string line = log.empty() ? cmd : "(" + cmd + ") 2>>" + quote(log.string());
  FILE* f = ::popen(line.c_str(), "r");
  REQUIRE(f != nullptr);
  std::array<char, 4096> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), f)) > 0;) o.out.append(buf.data(), n);
  const int st = ::pclose(f);
  o.code = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

}  // namespace mlpipe::test_support
