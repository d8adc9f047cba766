// mlpipe/core/impl/parameters.ipp: the non-template bodies of core/parameters.hpp (inline in the header-only mode,
// compiled into libmlpipe otherwise).
#pragma once

#include <nlohmann/json.hpp>

#include <mlpipe/core/parameters.hpp>

namespace mlpipe::detail {

MLPIPE_DECL void throw_parameter_kind(const nlohmann::json& j, const std::string& where, std::string_view expected) {
  throw parameter_error(where + " expects " + std::string(expected) + ", got " + std::string(json_kind(j)) + " " +
                        json_dump(j));
}

MLPIPE_DECL std::string parameter_where(std::string_view where, std::string_view name) {
  return std::string(where) + " parameter '" + std::string(name) + "'";
}

MLPIPE_DECL void throw_unknown_parameter(std::string_view where, std::string_view name,
                                         const std::vector<std::string>& known) {
  std::string list;
  for (auto& n : known) list += (list.empty() ? "" : ", ") + n;
  throw parameter_error(std::string(where) + " has no parameter '" + std::string(name) + "'" +
                        (list.empty() ? std::string(" (it has none)") : " (it has: " + list + ")"));
}

}  // namespace mlpipe::detail
