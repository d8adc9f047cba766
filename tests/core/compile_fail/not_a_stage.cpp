// A struct without a call operator is not a stage; the pipeline built with it adds no error of its own.
// expect: not_a_stage<.*"settings".*settings>
#include "stages.hpp"
struct settings { int x = 1; };
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"settings">(settings{}) << mp::from<"load">,
                        mp::node<"scale">(scale{}) << mp::from<"settings">);
  (void)p;
}
