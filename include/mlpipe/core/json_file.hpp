// mlpipe/core/json_file.hpp: how artifacts keep themselves as JSON files: written whole or not at all, read back
// with errors that name the file, and fingerprinted from their canonical text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>

namespace mlpipe::detail {

/// Writes `j` to `file` (creating its directory); `Error` is what the caller's area throws.
/// The observer saves artifacts under a temporary name and renames them, so a partial file is never seen.
template <class Error = std::runtime_error>
void write_json_file(const std::filesystem::path& file, const nlohmann::json& j, int indent = 2) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  if (out) out << j.dump(indent) << '\n';
  out.flush();
  if (!out) throw Error(file.string() + ": write failed");
}

/// Reads a JSON file. `missing` says what the reader expected there ("no ModelBlessing there"), for the error
/// when the file cannot be opened; a parse error names the file and nlohmann's byte position.
template <class Error = std::runtime_error>
nlohmann::json read_json_file(const std::filesystem::path& file, std::string_view missing) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open (" + std::string(missing) + ")");
  try {
    return nlohmann::json::parse(in);
  } catch (const std::exception& e) {
    throw Error(file.string() + ": not valid JSON: " + e.what());
  }
}

/// Reads and converts with `from_json`, adding the file's name to an error the conversion throws (unless the
/// message already starts with it).
template <class Error = std::runtime_error, class F>
auto load_json_file(const std::filesystem::path& file, std::string_view missing, F&& from_json) {
  auto j = read_json_file<Error>(file, missing);
  try {
    return from_json(j);
  } catch (const std::exception& e) {
    const auto name = file.string();
    if (std::string_view(e.what()).starts_with(name)) throw;
    throw Error(name + ": " + e.what());
  }
}

/// Hash of the canonical JSON text (keys sorted; nlohmann prints doubles shortest round-trip exact).
inline std::uint64_t json_fingerprint(const nlohmann::json& j, std::uint64_t seed) {
  auto text = j.dump();
  return fingerprint_bytes(text.data(), text.size(), seed);
}

}  // namespace mlpipe::detail
