// Fuzz target "blessing": model_blessing::from_json either refuses a file or gives a blessing that writes
// back to an equal one.
#include <mlpipe/evaluate/blessing.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(blessing) {
  using namespace mlpipe;
  // its errors, a threshold's own (invalid_argument), and nlohmann's (which load() prefixes with the file's name)
  auto b = fuzz::load_or_refuse<std::runtime_error, std::invalid_argument, nlohmann::json::exception>(
      data, size, [](auto& j) { return model_blessing::from_json(j); });
  if (!b) return 0;
  if (!(model_blessing::from_json(b->to_json()) == *b)) fuzz::broken("blessing: round trip differs");
  return 0;
}
