// Stages shared by the compile-fail tests: each test builds one bad pipeline from them.
#pragma once
#include <mlpipe/core/pipeline.hpp>
#include <string>

namespace mp = mlpipe;

struct load_data {
  int operator()() const { return 1; }
};
struct scale {
  int operator()(const int& x) const { return 2 * x; }
};
struct combine {
  int operator()(const int& a, const int& b) const { return a + b; }
};
struct describe {
  std::string operator()(const int& x) const { return std::to_string(x); }
};
/// Takes a model and examples, and optionally a baseline model (as mlpipe's evaluate does).
struct evaluate {
  MLPIPE_INPUTS(model, examples, baseline);
  int operator()(const int& model, const int& examples, mp::optional_input<int> baseline) const {
    return model + examples + (baseline ? *baseline : 0);
  }
};
