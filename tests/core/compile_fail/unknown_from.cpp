// "model" takes its input from "featres", a typo for "features".
// expect: every name in from<...> must be a node of the pipeline
// expect: from_names_no_node<mlpipe::errors::node<mlpipe::fixed_string<6>\{"model"\}>, mlpipe::errors::node<mlpipe::fixed_string<8>\{"featres"\}> >
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"features">(scale{}) << mp::from<"load">,
                        mp::node<"model">(scale{}) << mp::from<"featres">);
}
