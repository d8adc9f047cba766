// MLPIPE_INPUTS names two inputs "side".
// expect: duplicate_input_port<.*"merge".*two_sides.*"side"
#include "stages.hpp"
struct two_sides {
  MLPIPE_INPUTS(side, side);
  int operator()(const int& a, const int& b) const { return a + b; }
};
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"merge">(two_sides{}) << mp::from<"load", "load">);
  (void)p;
}
