// "merge" is a combine stage (two inputs) but lists one producer.
// expect: wrong_number_of_inputs<.*"merge".*combine, 2, 2, 1>
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"merge">(combine{}) << mp::from<"load">);
  (void)p;
}
