// Fuzz target "request": the model server's request body -> table -> answer, for both TF Serving body formats
// (rows under "instances", columns under "inputs"); bad bodies are input errors (the server's 400), never a
// crash, whatever their nesting.
#include <mlpipe/deploy/predictor.hpp>

#include "fuzz_target.hpp"

MLPIPE_FUZZ_TARGET(request) {
  using namespace mlpipe;
  static const predictor p(model_bundle{make_manifest(fuzz::tiny_transform(), fuzz::tiny_model()),
                                        fuzz::tiny_transform(), fuzz::tiny_model(), std::nullopt, {}});
  try {
    bool columnar = false;
    auto t = request_table(p, fuzz::text(data, size), columnar);
    auto answer = prediction_json(p, t, columnar);
    if (answer.size() != 1) fuzz::broken("request: the answer has one key");
  } catch (const input_error&) {  // the three the server answers with 400
  } catch (const transform_error&) {
  } catch (const table_error&) {
  }
  return 0;
}
