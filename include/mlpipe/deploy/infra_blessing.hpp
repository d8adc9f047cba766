// mlpipe/deploy/infra_blessing.hpp: the `infra_blessing` artifact ("InfraBlessing"): whether a separate server
// process answered as the in-process predictor does. No server code: what `push` reads (infra_validate.hpp makes it).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// infra_validate could not run at all (no server executable); a server that fails is a negative blessing.
class infra_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Artifact "InfraBlessing": whether the model, served by a separate server process, answered the eval rows
/// exactly as the in-process predictor does; with the figures of the check and, when not blessed, why.
struct infra_blessing {
  static constexpr std::string_view type_name = "InfraBlessing";

  bool blessed = false;
  std::string reason;            // one line for people
  std::size_t requests = 0;      // predict requests answered
  std::size_t rows_checked = 0;  // rows whose answers were compared
  std::size_t mismatches = 0;    // rows answered differently
  double startup_ms = 0;         // spawn to a healthy server (bundle loaded)
  double max_request_ms = 0;     // slowest predict request
  bool clean_shutdown = false;   // the server exited 0 on SIGTERM

  nlohmann::json to_json() const;
  static infra_blessing from_json(const nlohmann::json& j, const std::string& where);
  void save(const std::filesystem::path& dir) const;
  static infra_blessing load(const std::filesystem::path& dir);
  /// Content hash of the verdict (not the timings, which change from run to run).
  std::uint64_t fingerprint() const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/deploy/impl/infra_blessing.ipp>
#endif
