// mlpipe/core/json_value.hpp: JSON values built and read through non-template functions compiled into libmlpipe,
// so the DSL's templates (parameters, runs, listings) need only <nlohmann/json_fwd.hpp>, not nlohmann's 25k lines.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe::detail {

/// nlohmann::json, spelled so that it depends on T: a template may then use the type's members, and is only
/// checked where it is instantiated (by code that has included <nlohmann/json.hpp>, e.g. a parameter type with
/// its own to_json/from_json).
template <class T>
using dependent_json = std::conditional_t<sizeof(T) != 0, nlohmann::json, void>;

/// One JSON value held through a pointer, so a template can own one without nlohmann's definition.
class json_box {
 public:
  MLPIPE_DECL json_box();
  MLPIPE_DECL ~json_box();
  MLPIPE_DECL json_box(json_box&&) noexcept;
  MLPIPE_DECL json_box& operator=(json_box&&) noexcept;
  nlohmann::json& operator*() const noexcept { return *value_; }
  nlohmann::json* get() const noexcept { return value_.get(); }

 private:
  std::unique_ptr<nlohmann::json> value_;
};

/// A value's JSON type, as nlohmann tells it apart (non-negative integers parse as `unsigned_integer`).
enum class json_type : unsigned char { null, boolean, integer, unsigned_integer, floating, string, array, object, discarded };

MLPIPE_DECL json_type json_type_of(const nlohmann::json& j);
/// "a boolean", "an integer", "a number", "a string", "a list", "an object" or "null": for error messages.
MLPIPE_DECL std::string_view json_kind(const nlohmann::json& j);

// Writing (the value is replaced).
MLPIPE_DECL void json_set_bool(nlohmann::json& j, bool v);
MLPIPE_DECL void json_set_int(nlohmann::json& j, std::int64_t v);
MLPIPE_DECL void json_set_uint(nlohmann::json& j, std::uint64_t v);
MLPIPE_DECL void json_set_double(nlohmann::json& j, double v);
MLPIPE_DECL void json_set_string(nlohmann::json& j, std::string_view v);
MLPIPE_DECL void json_set_empty_array(nlohmann::json& j);
MLPIPE_DECL void json_set_empty_object(nlohmann::json& j);
/// Appends a null to an array and returns it.
MLPIPE_DECL nlohmann::json& json_append(nlohmann::json& array);
/// The object's member `key` (created as null when absent).
MLPIPE_DECL nlohmann::json& json_member(nlohmann::json& object, std::string_view key);

// Reading (the type must have been checked with json_type_of).
MLPIPE_DECL bool json_get_bool(const nlohmann::json& j);
MLPIPE_DECL std::int64_t json_get_int(const nlohmann::json& j);
MLPIPE_DECL std::uint64_t json_get_uint(const nlohmann::json& j);
MLPIPE_DECL double json_get_double(const nlohmann::json& j);
MLPIPE_DECL std::string json_get_string(const nlohmann::json& j);
/// An array's length (0 for other types).
MLPIPE_DECL std::size_t json_size(const nlohmann::json& j);
MLPIPE_DECL const nlohmann::json& json_element(const nlohmann::json& array, std::size_t i);
/// An object's members in nlohmann's order (sorted by key), pointing into the object.
MLPIPE_DECL std::vector<std::pair<std::string, const nlohmann::json*>> json_members(const nlohmann::json& object);

/// Command-line text as a JSON value: JSON when it parses as JSON (1e-3, true, [1,2], "x"), else the text
/// itself as a string.
MLPIPE_DECL void json_from_text(std::string_view text, nlohmann::json& out);

}  // namespace mlpipe::detail

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/json_value.ipp>
#endif
