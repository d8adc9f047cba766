// Helpers of the deploy tests: examples split 2:1 by row index, and a fresh scratch directory per test.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <unistd.h>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/examples.hpp>

namespace mlpipe::test {

// Every third row goes to eval, the rest to train.
inline examples load_examples(const std::string& file, const std::string& label) {
  table t = read_csv(std::string(MLPIPE_DATA_DIR) + "/" + file);
  std::vector<std::size_t> tr, ev;
  for (std::size_t i = 0; i < t.rows(); ++i) (i % 3 == 2 ? ev : tr).push_back(i);
  examples ex;
  ex.train = t.take(tr);
  ex.eval = t.take(ev);
  ex.label = label;
  return ex;
}

// This process's scratch root, removed when the test executable exits.
inline const std::filesystem::path& scratch_root() {
  struct root {
    std::filesystem::path path = std::filesystem::temp_directory_path() /
                                 std::string("mlpipe_deploy_test_").append(std::to_string(::getpid()));
    ~root() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static root r;
  return r.path;
}

// An empty directory of this process (removed first if a previous run left it).
inline std::filesystem::path fresh_dir(const std::string& name) {
  auto d = scratch_root() / name;
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace mlpipe::test
