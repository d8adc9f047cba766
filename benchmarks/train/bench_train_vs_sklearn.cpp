// Train + evaluate logistic regression on 1M x 20 synthetic rows (800k train, 200k eval): mlpipe (standardize,
// fused Adam epochs, predict_proba, AUC) against scikit-learn's StandardScaler + LogisticRegression(lbfgs) and
// + SGDClassifier(log_loss), which the peer script times on the same data (written to a file) in this run.
// Run: build/benchmarks/train/bench_train_vs_sklearn
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/evaluate/roc_auc.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "ratio_reporter.hpp"

namespace {

using namespace mlpipe;

constexpr std::size_t rows = 1'000'000, cols = 20, train_rows = 800'000;

struct fixture {
  table train, eval;
  std::filesystem::path file;
};

fixture& data() {
  static fixture f = [] {
    fixture f;
    std::mt19937_64 rng(2024);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::uniform_real_distribution<double> u(-1.0, 1.0), p(0.0, 1.0);
    std::vector<double> w(cols);
    for (auto& x : w) x = u(rng);
    std::vector<double> m(rows * (cols + 1));
    for (std::size_t r = 0; r < rows; ++r) {
      double s = 0.3;
      for (std::size_t j = 0; j < cols; ++j) {
        double z = nd(rng);
        s += w[j] * z;
        m[r * (cols + 1) + j] = 5.0 * static_cast<double>(j) + (1.0 + static_cast<double>(j)) * z;
      }
      m[r * (cols + 1) + cols] = p(rng) < 1.0 / (1.0 + std::exp(-s)) ? 1.0 : 0.0;
    }
    auto make = [&](std::size_t begin, std::size_t end) {
      table t;
      for (std::size_t j = 0; j <= cols; ++j) {
        std::vector<double> v(end - begin);
        for (std::size_t r = begin; r < end; ++r) v[r - begin] = m[r * (cols + 1) + j];
        std::string name = "y";
        if (j < cols) name = std::string("x").append(std::to_string(j));
        t.add(column::numeric(name, std::move(v)));
      }
      return t;
    };
    f.train = make(0, train_rows);
    f.eval = make(train_rows, rows);
    f.file = std::filesystem::temp_directory_path() / ("mlpipe_bench_train_" + std::to_string(::getpid()) + ".f64");
    std::ofstream out(f.file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(m.data()), static_cast<std::streamsize>(m.size() * sizeof(double)));
    return f;
  }();
  return f;
}

double last_auc = 0;

void mlpipe_train_evaluate(benchmark::State& state) {
  auto& f = data();
  context ctx;
  for (auto _ : state) {
    auto g = fit_transform_graph(make_ops(standardize), f.train, "y");
    train<logistic_regression> st;
    st.solver = "adam";
    st.epochs = static_cast<std::size_t>(state.range(0));
    st.batch_size = 512;
    st.learning_rate = 0.02;
    st.l2 = 1e-6;
    model mdl = st.fit(f.train, nullptr, g, "y", ctx);
    // evaluate: the same transform on the eval rows, block by block, then AUC
    auto tf = g.bind(f.eval);
    std::vector<double> x, proba, score;
    score.reserve(f.eval.rows());
    std::vector<int> y;
    y.reserve(f.eval.rows());
    for (std::size_t b = 0; b < f.eval.rows(); b += 4096) {
      auto v = f.eval.view(b, std::min(f.eval.rows(), b + 4096));
      x.resize(v.rows() * g.width());
      proba.resize(2 * v.rows());
      mdl.predict_proba(tf(v, x), proba);
      auto yv = v.col("y").values();
      for (std::size_t r = 0; r < v.rows(); ++r) score.push_back(proba[2 * r + 1]), y.push_back(yv[r] > 0.5);
    }
    last_auc = roc_auc(y, score);
    state.counters["auc"] = last_auc;
  }
}

}  // namespace

BENCHMARK(mlpipe_train_evaluate)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->Iterations(3);

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  auto& f = data();
  std::string cmd = std::string(MLPIPE_SYSTEM_PYTHON) + " " + MLPIPE_BENCH_PEER + " " + f.file.string() + " " +
                    std::to_string(rows) + " " + std::to_string(cols) + " " + std::to_string(train_rows);
  std::string out;
  if (FILE* p = ::popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    ::pclose(p);
  }
  auto peer = nlohmann::json::parse(out, nullptr, false);
  bench::ratio_reporter rep;
  benchmark::RunSpecifiedBenchmarks(&rep);
  std::filesystem::remove(f.file);
  if (peer.is_discarded()) {
    std::printf("peer failed: %s\n", out.c_str());
    return 1;
  }
  double lb = peer["lbfgs"]["seconds"], sg = peer["sgd"]["seconds"], lb_auc = peer["lbfgs"]["auc"],
         sg_auc = peer["sgd"]["auc"];
  std::printf("\nscikit-learn LogisticRegression(lbfgs): %.3f s, AUC %.5f\n", lb, lb_auc);
  std::printf("scikit-learn SGDClassifier(log_loss):    %.3f s, AUC %.5f\n", sg, sg_auc);
  for (const auto& [name, secs] : rep.seconds)
    std::printf("%-40s %.3f s: %.1fx faster than lbfgs (goal >= 10x), %.1fx faster than SGDClassifier\n",
                name.c_str(), secs, lb / secs, sg / secs);
  std::printf("mlpipe AUC (last run) %.5f, lbfgs - mlpipe = %.5f (goal <= 0.005)\n", last_auc, lb_auc - last_auc);
  benchmark::Shutdown();
  return 0;
}
