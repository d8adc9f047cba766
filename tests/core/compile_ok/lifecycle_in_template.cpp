// The life-cycle pipeline's stages (examples/lifecycle/lifecycle.cpp) brace-initialised inside a function template
// and a generic lambda: GCC 12 crashed there on stages with members like `std::vector<std::string> m = {"NA"}`.
#include <mlpipe/mlpipe.hpp>

namespace mp = mlpipe;

template <class Model>
auto lifecycle(std::string data, std::string label) {
  return mp::pipeline(
      "lifecycle", mp::node<"examples">(mp::csv_examples{.pattern = data, .label = label}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"schema">(mp::infer_schema{.max_domain_size = 50}) << mp::from<"statistics">,
      mp::node<"anomalies">(mp::validate{.check_drift = true}) << mp::from<"statistics", "schema">,
      mp::node<"transform">(mp::fit_transform{}) << mp::from<"examples">,
      mp::node<"model">(mp::train<Model>{}) << mp::from<"examples", "transform">,
      mp::node<"evaluation">(mp::evaluate{.thresholds = {mp::at_least("auc", 0.8)}})
          << mp::from<"model", "examples", "transform">,
      mp::node<"push">(mp::push{.base = "serving"}) << mp::from<"model", "transform", "evaluation">);
}

int main() {
  auto p = lifecycle<mp::logistic_regression>("span-{SPAN}.csv", "diagnosis");
  auto generic = [](auto label) {
    return mp::csv_examples{.pattern = "data.csv", .label = label, .header = true};
  };
  auto q = mp::pipeline(mp::node<"examples">(generic(std::string("y"))),
                        mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">);
  return p.size + q.size == 10 ? 0 : 1;
}
