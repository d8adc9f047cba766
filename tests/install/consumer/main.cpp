// A two-node pipeline built against the installed headers.
#include <mlpipe/core.hpp>

#include <cstdio>
#include <string>

namespace mp = mlpipe;

struct answer {
  int value = 42;
  MLPIPE_PARAMETERS(value);
  int operator()() const { return value; }
};
struct greet {
  std::string operator()(const int& n) const { return "hello, mlpipe: " + std::to_string(n); }
};

int main() {
  auto p = mp::pipeline("consumer", mp::node<"answer">(answer{}), mp::node<"greet">(greet{}) << mp::from<"answer">);
  auto r = mp::run(p);
  if (!r.ok()) return 1;
  std::puts(r.get<"greet">().c_str());
  return 0;
}
