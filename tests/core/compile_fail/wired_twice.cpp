// Inputs are listed in one from<...>, not one << per input.
// expect: inputs_listed_in_two_from<.*"merge".*"b"
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"a">(load_data{}), mp::node<"b">(load_data{}),
                        mp::node<"merge">(combine{}) << mp::from<"a"> << mp::from<"b">);
  (void)p;
}
