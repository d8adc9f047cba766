// Fuzz target "statistics": example_statistics::from_json either refuses a file or gives statistics that
// print (what `mlpipe stats` shows) and write back.
#include <mlpipe/validate/statistics.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(statistics) {
  using namespace mlpipe;
  // its errors, and nlohmann's (which load() prefixes with the file's name)
  auto s = fuzz::load_or_refuse<std::runtime_error, nlohmann::json::exception>(
      data, size, [](auto& j) { return example_statistics::from_json(j); });
  if (!s) return 0;
  (void)s->to_text();
  (void)s->to_json();
  return 0;
}
