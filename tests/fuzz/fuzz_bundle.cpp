// Fuzz target "bundle": a bundle directory whose manifest.json is the input, beside a valid model and
// transform; load_bundle either refuses it (bundle_error naming the file) or gives a bundle that the
// predictor loads and predicts with.
#include <fstream>

#include <mlpipe/deploy/predictor.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(bundle) {
  using namespace mlpipe;
  static const auto dir = [] {
    auto d = fuzz::scratch() / "bundle";
    write_bundle(d, fuzz::tiny_transform(), fuzz::tiny_model());
    return d;
  }();
  const auto manifest = fuzz::text(data, size);
  std::ofstream(dir / "manifest.json", std::ios::binary | std::ios::trunc)
      .write(manifest.data(), static_cast<std::streamsize>(manifest.size()));
  std::optional<predictor> p;
  try {
    p.emplace(dir);
  } catch (const bundle_error&) {
    return 0;
  }
  feature_row row{{"x", 1.5}, {"c", std::string("b")}, {"s", std::string("hello")}};
  if (p->predict_proba(row).size() != 2) fuzz::broken("bundle: a binary model gives 2 probabilities");
  return 0;
}
