// mlpipe/core/impl/json_value.ipp: the bodies of core/json_value.hpp (inline in the header-only mode, compiled
// into libmlpipe otherwise).
#pragma once

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_text.hpp>
#include <mlpipe/core/json_value.hpp>

namespace mlpipe::detail {

MLPIPE_DECL json_box::json_box() : value_(std::make_unique<nlohmann::json>()) {}
MLPIPE_DECL json_box::~json_box() = default;
MLPIPE_DECL json_box::json_box(json_box&&) noexcept = default;
MLPIPE_DECL json_box& json_box::operator=(json_box&&) noexcept = default;

MLPIPE_DECL json_type json_type_of(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return json_type::boolean;
    case nlohmann::json::value_t::number_integer: return json_type::integer;
    case nlohmann::json::value_t::number_unsigned: return json_type::unsigned_integer;
    case nlohmann::json::value_t::number_float: return json_type::floating;
    case nlohmann::json::value_t::string: return json_type::string;
    case nlohmann::json::value_t::array: return json_type::array;
    case nlohmann::json::value_t::object: return json_type::object;
    case nlohmann::json::value_t::discarded: return json_type::discarded;
    default: return json_type::null;
  }
}

MLPIPE_DECL std::string_view json_kind(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a number";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::array: return "a list";
    case nlohmann::json::value_t::object: return "an object";
    default: return "null";
  }
}

MLPIPE_DECL void json_set_bool(nlohmann::json& j, bool v) { j = v; }
MLPIPE_DECL void json_set_int(nlohmann::json& j, std::int64_t v) { j = v; }
MLPIPE_DECL void json_set_uint(nlohmann::json& j, std::uint64_t v) { j = v; }
MLPIPE_DECL void json_set_double(nlohmann::json& j, double v) { j = v; }
MLPIPE_DECL void json_set_string(nlohmann::json& j, std::string_view v) { j = std::string(v); }
MLPIPE_DECL void json_set_empty_array(nlohmann::json& j) { j = nlohmann::json::array(); }
MLPIPE_DECL void json_set_empty_object(nlohmann::json& j) { j = nlohmann::json::object(); }
MLPIPE_DECL nlohmann::json& json_append(nlohmann::json& array) { return array.emplace_back(); }
MLPIPE_DECL nlohmann::json& json_member(nlohmann::json& object, std::string_view key) { return object[std::string(key)]; }

MLPIPE_DECL bool json_get_bool(const nlohmann::json& j) { return j.get<bool>(); }
MLPIPE_DECL std::int64_t json_get_int(const nlohmann::json& j) { return j.get<std::int64_t>(); }
MLPIPE_DECL std::uint64_t json_get_uint(const nlohmann::json& j) { return j.get<std::uint64_t>(); }
MLPIPE_DECL double json_get_double(const nlohmann::json& j) { return j.get<double>(); }
MLPIPE_DECL std::string json_get_string(const nlohmann::json& j) { return j.get<std::string>(); }
MLPIPE_DECL std::size_t json_size(const nlohmann::json& j) { return j.is_array() ? j.size() : 0; }
MLPIPE_DECL const nlohmann::json& json_element(const nlohmann::json& array, std::size_t i) { return array[i]; }

MLPIPE_DECL std::vector<std::pair<std::string, const nlohmann::json*>> json_members(const nlohmann::json& object) {
  std::vector<std::pair<std::string, const nlohmann::json*>> out;
  out.reserve(object.size());
  for (auto it = object.begin(); it != object.end(); ++it) out.emplace_back(it.key(), &it.value());
  return out;
}

MLPIPE_DECL void json_from_text(std::string_view text, nlohmann::json& out) {
  out = json_parse_or_discarded(text);
  if (out.is_discarded()) out = std::string(text);
}

}  // namespace mlpipe::detail
