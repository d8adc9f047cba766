// Inputs are listed in one from<...>, not one << per input.
// expect: use of deleted function
// expect: operator<<
#include "stages.hpp"
int main() {
  auto n = mp::node<"merge">(combine{}) << mp::from<"a"> << mp::from<"b">;
}
