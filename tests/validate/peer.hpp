// Test helpers: run the pandas peer on a CSV file and parse its JSON; small table builders.
#pragma once

#include <array>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

namespace mlpipe::test {

inline nlohmann::json run_pandas(const std::filesystem::path& csv, double eps,
                                 const nlohmann::json& eps_by_column = nlohmann::json::object()) {
  std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_SOURCE_DIR +
                    "/tests/validate/pandas_stats.py '" + csv.string() + "' " + std::to_string(eps) + " '" +
                    eps_by_column.dump() + "'";
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(cmd.c_str(), "r"), pclose);
  if (!pipe) throw std::runtime_error("cannot run " + cmd);
  std::string out;
  std::array<char, 65536> buf;
  for (std::size_t n; (n = std::fread(buf.data(), 1, buf.size(), pipe.get())) > 0;) out.append(buf.data(), n);
  if (out.empty()) throw std::runtime_error("no output from " + cmd);
  return nlohmann::json::parse(out);
}

inline std::filesystem::path temp_dir(const std::string& name) {
  auto d = std::filesystem::temp_directory_path() / ("mlpipe_test_validate_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

}  // namespace mlpipe::test
