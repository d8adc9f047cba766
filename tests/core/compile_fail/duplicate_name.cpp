// Two nodes named "scale".
// expect: duplicate_node_name<.*"scale"
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"scale">(scale{}) << mp::from<"load">,
                        mp::node<"scale">(scale{}) << mp::from<"load">);
  (void)p;
}
