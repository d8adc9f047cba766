// "model" takes its input from "featres", a typo for "features"; running the pipeline adds no second error.
// expect: unknown_name_in_from<.*"model".*"featres"
#include "stages.hpp"
#include <mlpipe/core/run.hpp>
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"features">(scale{}) << mp::from<"load">,
                        mp::node<"model">(scale{}) << mp::from<"featres">);
  return mp::run(p).ok() ? 0 : 1;
}
