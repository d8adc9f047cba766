// validate -> scale -> feedback -> validate.
// expect: cycle_through<.*"scale".*"feedback".*"validate".*"scale"
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}),
                        mp::node<"validate">(combine{}) << mp::from<"load", "feedback">,
                        mp::node<"scale">(scale{}) << mp::from<"validate">,
                        mp::node<"feedback">(scale{}) << mp::from<"scale">);
  (void)p;
}
