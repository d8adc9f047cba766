// mlpipe/deploy/infra_blessing.hpp: the `infra_blessing` artifact ("InfraBlessing"): whether a separate server
// process answered as the in-process predictor does. No server code: what `push` reads (infra_validate.hpp makes it).
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

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

  nlohmann::json to_json() const {
    return {{"format", "mlpipe.InfraBlessing"}, {"version", 1},        {"blessed", blessed},
            {"reason", reason},                 {"requests", requests}, {"rows_checked", rows_checked},
            {"mismatches", mismatches},         {"startup_ms", startup_ms}, {"max_request_ms", max_request_ms},
            {"clean_shutdown", clean_shutdown}};
  }
  static infra_blessing from_json(const nlohmann::json& j, const std::string& where) {
    if (!detail::json_format_is(j, "mlpipe.InfraBlessing") || detail::json_version(j) != 1)
      throw infra_error(where + ": not an InfraBlessing of format version 1");
    try {
      infra_blessing b;
      b.blessed = j.at("blessed").get<bool>();
      b.reason = j.at("reason").get<std::string>();
      b.requests = j.at("requests").get<std::size_t>();
      b.rows_checked = j.at("rows_checked").get<std::size_t>();
      b.mismatches = j.at("mismatches").get<std::size_t>();
      b.startup_ms = j.at("startup_ms").get<double>();
      b.max_request_ms = j.at("max_request_ms").get<double>();
      b.clean_shutdown = j.at("clean_shutdown").get<bool>();
      return b;
    } catch (const nlohmann::json::exception& e) {
      throw infra_error(where + ": " + e.what());
    }
  }
  void save(const std::filesystem::path& dir) const {
    detail::write_json_file<infra_error>(dir / "infra_blessing.json", to_json());
  }
  static infra_blessing load(const std::filesystem::path& dir) {
    auto file = dir / "infra_blessing.json";
    return from_json(detail::read_json_file<infra_error>(file, "no InfraBlessing there"), file.string());
  }
  /// Content hash of the verdict (not the timings, which change from run to run).
  std::uint64_t fingerprint() const {
    hasher h(0x696e667261ULL);
    h.update_value(blessed);
    h.update(reason);
    h.update_value(static_cast<std::uint64_t>(requests));
    h.update_value(static_cast<std::uint64_t>(rows_checked));
    h.update_value(static_cast<std::uint64_t>(mismatches));
    return h.digest();
  }
};

}  // namespace mlpipe
