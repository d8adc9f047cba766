// "merge" is a combine stage (two inputs) but lists one producer.
// expect: a node must list exactly one from<...> name per input of its stage
// expect: wrong_number_of_inputs<mlpipe::errors::node<mlpipe::fixed_string<6>\{"merge"\}>, combine, 2, 1>
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"merge">(combine{}) << mp::from<"load">);
}
