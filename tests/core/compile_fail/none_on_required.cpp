// mlpipe::none leaves "eval"'s required input "examples" unwired.
// expect: required_input_not_wired<.*"eval".*evaluate.*"examples"
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"train">(load_data{}), mp::node<"eval">(evaluate{}) << mp::from<"train", mp::none>);
  (void)p;
}
