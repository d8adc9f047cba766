// Fuzz target "model": model::from_json either refuses a file (model_error) or gives a model that predicts
// on a block of its declared width without touching memory outside it.
#include <vector>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(model) {
  using namespace mlpipe;
  auto m = fuzz::load_or_refuse<model_error>(data, size, [](auto& j) { return model::from_json(j, "model.json"); });
  if (!m) return 0;
  if (m->features > (1u << 16)) return 0;  // valid but too large to exercise here
  std::vector<double> x(2 * m->features, 0.5), out(2 * m->num_classes() + 2);
  m->predict(feature_block{x.data(), 2, m->features}, out);
  if (m->is_classifier()) m->predict_proba(feature_block{x.data(), 2, m->features}, out);
  return 0;
}
