// Parallel branches: independent nodes run at once with --threads N, and give the same result as one thread.
//
//            ┌──> left_a ──> left_b ──┐
//   seed ────┤                        ├──> join
//            └──> right_a ─> right_b ─┘
//
// Each branch does a few milliseconds of arithmetic; with --threads 2 the two branches overlap.
#include <mlpipe/core.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>

namespace mp = mlpipe;

struct seed {
  double value = 0.5;
  MLPIPE_PARAMETERS(value);
  double operator()() const { return value; }
};

struct iterate {  // x <- sin(x) + factor, `steps` times: a small, deterministic CPU load
  double factor = 1.0;
  int steps = 2'000'000;
  MLPIPE_PARAMETERS(factor, steps);
  double operator()(const double& x0) const {
    double x = x0;
    for (int i = 0; i < steps; ++i) x = std::sin(x) + factor;
    return x;
  }
};

struct join {
  double operator()(const double& a, const double& b) const { return a + b; }
};

int main(int argc, char** argv) {
  auto p = mp::pipeline("parallel_branches",
                        mp::node<"seed">(seed{}),
                        mp::node<"left_a">(iterate{.factor = 1.0}) << mp::from<"seed">,
                        mp::node<"left_b">(iterate{.factor = 0.5}) << mp::from<"left_a">,
                        mp::node<"right_a">(iterate{.factor = 2.0}) << mp::from<"seed">,
                        mp::node<"right_b">(iterate{.factor = 0.25}) << mp::from<"right_a">,
                        mp::node<"join">(join{}) << mp::from<"left_b", "right_b">);
  auto t0 = std::chrono::steady_clock::now();
  auto one = mp::run(p);
  auto t1 = std::chrono::steady_clock::now();
  auto two = mp::run(p, {.threads = 2});
  auto t2 = std::chrono::steady_clock::now();
  if (!one.ok() || !two.ok() || one.get<"join">() != two.get<"join">()) {
    std::fprintf(stderr, "parallel and sequential runs differ\n");
    return 1;
  }
  std::printf("join = %.12f (1 thread: %.1f ms, 2 threads: %.1f ms)\n", one.get<"join">(),
              std::chrono::duration<double, std::milli>(t1 - t0).count(),
              std::chrono::duration<double, std::milli>(t2 - t1).count());
  return mp::main(p, argc, argv);
}
