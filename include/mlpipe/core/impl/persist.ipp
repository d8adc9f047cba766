// mlpipe/core/impl/persist.ipp: the non-template bodies of core/detail/persist.hpp: saving an artifact through a
// temporary directory, and reading the type a saved directory declares (inline in the header-only mode).
#pragma once

#include <fstream>
#include <system_error>

#include <unistd.h>

#include <mlpipe/core/detail/persist.hpp>

namespace mlpipe::detail {

MLPIPE_DECL std::string saved_artifact_type(const std::filesystem::path& dir) {
  std::ifstream f(dir / artifact_type_file);
  std::string t;
  if (f) std::getline(f, t);
  return t;
}

MLPIPE_DECL artifact_ref save_artifact_as(const std::filesystem::path& dir, const std::string& key,
                                          std::string_view type_name, std::uint64_t fingerprint,
                                          void (*save)(const void* a, const std::filesystem::path& to), const void* a) {
  namespace fs = std::filesystem;
  fs::create_directories(dir);
  fs::path final_path = dir / key;
  fs::path tmp = dir / ("." + key + ".tmp-" + std::to_string(::getpid()));
  std::error_code ec;
  fs::remove_all(tmp, ec);
  fs::create_directories(tmp);
  try {
    save(a, tmp);
    std::ofstream(tmp / artifact_type_file) << type_name << '\n';
  } catch (...) {
    fs::remove_all(tmp, ec);  // what a failed save wrote (a full disk stays full otherwise)
    throw;
  }
  fs::remove_all(final_path, ec);
  fs::rename(tmp, final_path);
  return artifact_ref{key, 0, std::string(type_name), final_path, fingerprint, {}};
}

}  // namespace mlpipe::detail
