// "eval" must list its model and examples (its baseline is optional) but lists one producer.
// expect: wrong_number_of_inputs<.*"eval".*evaluate, 2, 3, 1>
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"train">(load_data{}), mp::node<"eval">(evaluate{}) << mp::from<"train">);
  (void)p;
}
