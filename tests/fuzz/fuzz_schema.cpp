// Fuzz target "schema": schema::from_json either refuses a file (schema_error naming the field) or gives a
// schema whose own JSON reads back to the same JSON.
#include <mlpipe/validate/schema.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(schema) {
  using namespace mlpipe;
  auto s = fuzz::load_or_refuse<schema_error>(data, size, [](auto& j) { return schema::from_json(j, "schema.json"); });
  if (!s) return 0;
  (void)s->to_text();
  try {
    if (schema::from_json(s->to_json(), "again").to_json() != s->to_json()) fuzz::broken("schema: round trip differs");
  } catch (const schema_error&) {
    fuzz::broken("schema: its own JSON is refused");
  }
  return 0;
}
