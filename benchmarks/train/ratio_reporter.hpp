// A console reporter that also keeps each benchmark's real time per iteration, so main() can print the
// ratios measured in the same run.
#pragma once

#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

namespace bench {

class ratio_reporter : public benchmark::ConsoleReporter {
 public:
  std::map<std::string, double> seconds;  // benchmark name -> real seconds per iteration

  void ReportRuns(const std::vector<Run>& runs) override {
    for (const auto& r : runs)
      if (r.run_type == Run::RT_Iteration && r.iterations > 0)
        seconds[r.benchmark_name()] = r.real_accumulated_time / static_cast<double>(r.iterations);
    ConsoleReporter::ReportRuns(runs);
  }
  double get(const std::string& prefix) const {
    for (const auto& [k, v] : seconds)
      if (k.rfind(prefix, 0) == 0) return v;
    return 0;
  }
};

}  // namespace bench
