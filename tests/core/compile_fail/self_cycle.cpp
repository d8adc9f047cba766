// A node that feeds itself.
// expect: cycle_through<.*"loop".*"loop"
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"loop">(combine{}) << mp::from<"load", "loop">);
  (void)p;
}
