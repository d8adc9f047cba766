// Two nodes named "scale".
// expect: node names must be unique in a pipeline
// expect: duplicate_node_name<mlpipe::errors::node<mlpipe::fixed_string<6>\{"scale"\}> >
#include "stages.hpp"
int main() {
  auto p = mp::pipeline(mp::node<"load">(load_data{}), mp::node<"scale">(scale{}) << mp::from<"load">,
                        mp::node<"scale">(scale{}) << mp::from<"load">);
}
