// A struct without a call operator is not a stage.
// expect: node<"...">\(s\): s is not a stage
#include "stages.hpp"
struct settings { int x = 1; };
int main() {
  auto n = mp::node<"settings">(settings{});
}
