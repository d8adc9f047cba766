// mlpipe/core/impl/json_text.ipp: the bodies of core/json_text.hpp (inline in the header-only mode, compiled
// into libmlpipe otherwise).
#pragma once

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_text.hpp>

namespace mlpipe::detail {

MLPIPE_DECL std::string json_dump(const nlohmann::json& j, int indent, bool replace_invalid_utf8) {
  return j.dump(indent, ' ', false,
                replace_invalid_utf8 ? nlohmann::json::error_handler_t::replace : nlohmann::json::error_handler_t::strict);
}

MLPIPE_DECL nlohmann::json json_parse(std::string_view text) { return nlohmann::json::parse(text); }

MLPIPE_DECL nlohmann::json json_parse_or_discarded(std::string_view text) {
  return nlohmann::json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

}  // namespace mlpipe::detail
