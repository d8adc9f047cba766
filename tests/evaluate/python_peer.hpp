// tests/evaluate/python_peer.hpp: runs a peer script under the system python (scikit-learn) on a JSON input
// file written by the test and returns the JSON it prints.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace mlpipe::test {

inline nlohmann::json run_python_peer(const std::string& script, const nlohmann::json& input) {
  namespace fs = std::filesystem;
  std::random_device rd;
  fs::path file = fs::temp_directory_path() / ("mlpipe-evaluate-" + std::to_string(rd()) + ".json");
  {
    std::ofstream out(file);
    out << input.dump();
  }
  std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_SOURCE_DIR + "/tests/evaluate/" + script +
                    " " + file.string();
  FILE* pipe = popen(cmd.c_str(), "r");
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string text;
  std::array<char, 4096> buf;
  while (std::size_t got = std::fread(buf.data(), 1, buf.size(), pipe)) text.append(buf.data(), got);
  int rc = pclose(pipe);
  fs::remove(file);
  if (rc != 0) throw std::runtime_error(cmd + " failed with status " + std::to_string(rc));
  return nlohmann::json::parse(text);
}

}  // namespace mlpipe::test
