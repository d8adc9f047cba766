// validate -> scale -> feedback -> validate.
// expect: a pipeline must be acyclic, but its nodes form a cycle
// expect: cycle_through<mlpipe::errors::node<mlpipe::fixed_string<6>\{"scale"\}>, mlpipe::errors::node<mlpipe::fixed_string<9>\{"feedback"\}>, mlpipe::errors::node<mlpipe::fixed_string<9>\{"validate"\}>, mlpipe::errors::node<mlpipe::fixed_string<6>\{"scale"\}> >
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}),
                        mp::node<"validate">(combine{}) << mp::from<"load", "feedback">,
                        mp::node<"scale">(scale{}) << mp::from<"validate">,
                        mp::node<"feedback">(scale{}) << mp::from<"scale">);
}
