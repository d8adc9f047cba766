// mlpipe/metadata/types.hpp: ML Metadata's data model (types, artifacts, executions, contexts, events) in C++.
// The enums carry ML Metadata's own numbers, so rows mlpipe writes mean the same to ML Metadata's client.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe::metadata {

/// The relational schema version mlpipe reads and writes (ML Metadata's `MLMDEnv.schema_version`).
inline constexpr int schema_version = 10;

/// `Type.type_kind`.
enum class type_kind : int { execution = 0, artifact = 1, context = 2 };

/// `TypeProperty.data_type` (ML Metadata's PropertyType).
enum class property_type : int { unknown = 0, int_ = 1, double_ = 2, string = 3, struct_ = 4, proto = 5, boolean = 6 };

/// `Artifact.state`.
enum class artifact_state : int {
  unknown = 0, pending = 1, live = 2, marked_for_deletion = 3, deleted = 4, abandoned = 5, reference = 6
};

/// `Execution.last_known_state`.
enum class execution_state : int { unknown = 0, new_ = 1, running = 2, complete = 3, failed = 4, cached = 5, canceled = 6 };

/// `Event.type`.
enum class event_type : int {
  unknown = 0, declared_output = 1, declared_input = 2, input = 3, output = 4,
  internal_input = 5, internal_output = 6, pending_output = 7
};

inline std::string_view to_string(artifact_state s) {
  constexpr std::string_view n[] = {"UNKNOWN", "PENDING", "LIVE", "MARKED_FOR_DELETION", "DELETED", "ABANDONED", "REFERENCE"};
  auto i = static_cast<int>(s);
  return i >= 0 && i < 7 ? n[i] : "UNKNOWN";
}
inline std::string_view to_string(execution_state s) {
  constexpr std::string_view n[] = {"UNKNOWN", "NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED"};
  auto i = static_cast<int>(s);
  return i >= 0 && i < 7 ? n[i] : "UNKNOWN";
}
inline std::string_view to_string(event_type t) {
  constexpr std::string_view n[] = {"UNKNOWN", "DECLARED_OUTPUT", "DECLARED_INPUT", "INPUT", "OUTPUT",
                                    "INTERNAL_INPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT"};
  auto i = static_cast<int>(t);
  return i >= 0 && i < 8 ? n[i] : "UNKNOWN";
}

/// A property value; it goes to the one matching `*_value` column (int, double, string, bool).
using value = std::variant<std::int64_t, double, std::string, bool>;
/// Properties by name (declared ones or custom ones, kept apart as ML Metadata does).
using properties = std::map<std::string, value, std::less<>>;

inline property_type type_of(const value& v) {
  switch (v.index()) {
    case 0: return property_type::int_;
    case 1: return property_type::double_;
    case 2: return property_type::string;
    default: return property_type::boolean;
  }
}

/// A property value as display text (strings unquoted).
MLPIPE_DECL std::string to_text(const value& v);

struct artifact {
  std::int64_t id = 0;                  // 0 until stored
  std::int64_t type_id = 0;             // 0: look up / register `type` by name
  std::string type;                     // the artifact type's name, e.g. "Examples"
  std::string uri;
  artifact_state state = artifact_state::unknown;
  std::optional<std::string> name;      // unique per type when set
  std::optional<std::string> external_id;
  std::int64_t create_time_ms = 0;      // set by the store
  std::int64_t last_update_time_ms = 0;
  metadata::properties properties;      // declared in the type (is_custom_property = 0)
  metadata::properties custom_properties;
};

struct execution {
  std::int64_t id = 0;
  std::int64_t type_id = 0;
  std::string type;                     // the execution type's name (the stage's name)
  execution_state state = execution_state::unknown;
  std::optional<std::string> name;
  std::optional<std::string> external_id;
  std::int64_t create_time_ms = 0;
  std::int64_t last_update_time_ms = 0;
  metadata::properties properties;
  metadata::properties custom_properties;
};

struct context {
  std::int64_t id = 0;
  std::int64_t type_id = 0;
  std::string type;                     // "pipeline", "pipeline_run", "node", ...
  std::string name;                     // unique per type
  std::optional<std::string> external_id;
  std::int64_t create_time_ms = 0;
  std::int64_t last_update_time_ms = 0;
  metadata::properties properties;
  metadata::properties custom_properties;
};

/// One step of an event's path: an index or a key (`EventPath.is_index_step`).
using path_step = std::variant<std::int64_t, std::string>;

struct event {
  std::int64_t id = 0;
  std::int64_t artifact_id = 0;
  std::int64_t execution_id = 0;
  event_type type = event_type::unknown;
  std::int64_t milliseconds_since_epoch = 0;  // 0: now
  std::vector<path_step> path;                // mlpipe writes [key, index]
};

/// Every failure of the store (connection, schema, constraint, bad URL) is a store_error.
class store_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A transient failure (busy database, deadlock, dropped connection): the transaction may be retried.
class retryable_error : public store_error {
 public:
  using store_error::store_error;
};

/// Milliseconds since the epoch (the system clock).
MLPIPE_DECL std::int64_t now_ms();

}  // namespace mlpipe::metadata

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/metadata/impl/types.ipp>
#endif
