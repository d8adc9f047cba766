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
