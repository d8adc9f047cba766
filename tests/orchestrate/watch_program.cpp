// A small pipeline for the --watch tests: the newest span of a {SPAN} pattern and its statistics, beside a
// fixed reference file and its statistics (unchanged by new spans, so served from the cache).
#include <mlpipe/data/csv_examples.hpp>
#include <mlpipe/orchestrate/main.hpp>
#include <mlpipe/validate/statistics.hpp>

namespace mp = mlpipe;

int main(int argc, char** argv) {
  auto p = mp::pipeline(
      "watched",
      mp::node<"examples">(mp::csv_examples{.pattern = "data/span-{SPAN}.csv", .label = "diagnosis"}),
      mp::node<"statistics">(mp::statistics{}) << mp::from<"examples">,
      mp::node<"reference">(mp::csv_examples{.pattern = "reference.csv", .label = "diagnosis", .with_baseline = false}),
      mp::node<"reference_statistics">(mp::statistics{}) << mp::from<"reference">);
  return mp::orchestrate::main(p, argc, argv);
}
