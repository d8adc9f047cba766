// benchmarks/metadata/record_shape.hpp: the execution both sides of the recording benchmark write:
// 10 properties (6 declared parameters, 4 custom figures), 3 artifacts (1 input, 2 outputs) with a fingerprint
// each, 3 events with [key, index] paths, associations to 3 contexts and attributions of the 2 outputs.
#pragma once

#include <string>
#include <vector>

#include <mlpipe/metadata/store.hpp>

namespace bench_shape {

inline void fill(mlpipe::metadata::execution& e, std::vector<mlpipe::metadata::store::artifact_and_event>& items,
                 long i) {
  using namespace mlpipe::metadata;
  e = execution{};
  e.type = "train";
  e.state = execution_state::complete;
  e.properties = {{"learning_rate", 0.1}, {"rounds", std::int64_t{100}}, {"max_depth", std::int64_t{6}},
                  {"objective", std::string("binary:logistic")}, {"subsample", 0.8}, {"early_stop", true}};
  e.custom_properties = {{"auc", 0.93}, {"rows", std::int64_t{150}}, {"mlpipe_cache_key", std::string("0123456789abcdef")},
                         {"mlpipe_run", "run-" + std::to_string(i)}};
  items.assign(3, {});
  const char* types[] = {"Examples", "Model", "ModelEvaluation"};
  const event_type evs[] = {event_type::input, event_type::output, event_type::output};
  const char* keys[] = {"examples", "Model", "ModelEvaluation"};
  for (int k = 0; k < 3; ++k) {
    items[k].artifact.type = types[k];
    items[k].artifact.uri = "/artifacts/demo/train/" + std::to_string(i) + "/" + keys[k];
    items[k].artifact.state = artifact_state::live;
    items[k].artifact.custom_properties = {{"fingerprint", std::string("fedcba9876543210")}};
    items[k].event = event{0, 0, 0, evs[k], 0, {std::string(keys[k]), std::int64_t{0}}};
  }
}

}  // namespace bench_shape
