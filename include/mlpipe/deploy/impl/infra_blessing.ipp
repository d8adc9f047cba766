// mlpipe/deploy/impl/infra_blessing.ipp: bodies of deploy/infra_blessing.hpp's non-template functions (compiled
// once into libmlpipe by src/deploy.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/deploy/infra_blessing.hpp>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL nlohmann::json infra_blessing::to_json() const {
  return {{"format", "mlpipe.InfraBlessing"}, {"version", 1},        {"blessed", blessed},
          {"reason", reason},                 {"requests", requests}, {"rows_checked", rows_checked},
          {"mismatches", mismatches},         {"startup_ms", startup_ms}, {"max_request_ms", max_request_ms},
          {"clean_shutdown", clean_shutdown}};
}

MLPIPE_DECL infra_blessing infra_blessing::from_json(const nlohmann::json& j, const std::string& where) {
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

MLPIPE_DECL void infra_blessing::save(const std::filesystem::path& dir) const {
  detail::write_json_file<infra_error>(dir / "infra_blessing.json", to_json());
}

MLPIPE_DECL infra_blessing infra_blessing::load(const std::filesystem::path& dir) {
  auto file = dir / "infra_blessing.json";
  return from_json(detail::read_json_file<infra_error>(file, "no InfraBlessing there"), file.string());
}

MLPIPE_DECL std::uint64_t infra_blessing::fingerprint() const {
  hasher h(0x696e667261ULL);
  h.update_value(blessed);
  h.update(reason);
  h.update_value(static_cast<std::uint64_t>(requests));
  h.update_value(static_cast<std::uint64_t>(rows_checked));
  h.update_value(static_cast<std::uint64_t>(mismatches));
  return h.digest();
}

}  // namespace mlpipe
