// mlpipe/core/json_text.hpp: JSON text in and out (nlohmann-json's parse and dump) behind non-template functions.
// Compiled once into libmlpipe, so a program that composes pipelines does not generate nlohmann's lexer, parser
// and serializer in its own translation unit (about a fifth of its compile time).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe::detail {

/// `j.dump(indent)`: invalid UTF-8 in a string throws, as nlohmann's dump does, or becomes U+FFFD when
/// `replace_invalid_utf8`.
MLPIPE_DECL std::string json_dump(const nlohmann::json& j, int indent = -1, bool replace_invalid_utf8 = false);
/// `nlohmann::json::parse(text)`: text that is not JSON throws nlohmann::json::parse_error.
MLPIPE_DECL nlohmann::json json_parse(std::string_view text);
/// The JSON value of `text`, or a discarded value (`is_discarded()`) when the text is not JSON.
MLPIPE_DECL nlohmann::json json_parse_or_discarded(std::string_view text);
// (They return nlohmann::json by value: a caller includes <nlohmann/json.hpp>; this header needs only its
// forward declaration, so that templates using json_dump do not pull nlohmann's definition in.)

}  // namespace mlpipe::detail

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/json_text.ipp>
#endif
