// MLPIPE_INPUTS names one input of a stage that takes two.
// expect: input_names_do_not_match_inputs<.*"merge".*named_merge, 1, 2>
#include "stages.hpp"
struct named_merge {
  MLPIPE_INPUTS(left);
  int operator()(const int& left, const int& right) const { return left + right; }
};
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"merge">(named_merge{}) << mp::from<"load", "load">);
  (void)p;
}
