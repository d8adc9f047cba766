// A node that feeds itself.
// expect: a pipeline must be acyclic
// expect: cycle_through<mlpipe::errors::node<mlpipe::fixed_string<5>\{"loop"\}>, mlpipe::errors::node<mlpipe::fixed_string<5>\{"loop"\}> >
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"loop">(combine{}) << mp::from<"load", "loop">);
}
