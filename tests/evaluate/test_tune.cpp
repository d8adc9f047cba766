// The tuner: grid, random and successive-halving search on a known objective, parallel trials, failures
// recorded, the HyperParameters artifact, and parameters applied to a reflected stage.
#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include <mlpipe/core/parameters.hpp>
#include <mlpipe/tune/search.hpp>
#include <mlpipe/tune/space.hpp>

namespace {
using namespace mlpipe;
using json = nlohmann::json;

struct optimizer_params {
  double learning_rate = 0.1;
  double momentum = 0.9;
  MLPIPE_PARAMETERS(learning_rate, momentum);
};
struct fake_trainer {
  double l2 = 1e-4;
  int epochs = 10;
  std::string loss = "log";
  optimizer_params optimizer;
  MLPIPE_PARAMETERS(l2, epochs, loss, optimizer);
};
}  // namespace

TEST_CASE("grid search tries every combination and finds the minimum") {
  search_space space{{"x", uniform(-2, 2)}, {"k", choice{1, 2, 3}}};
  tuning_options opt;
  opt.strategy = search_strategy::grid;
  opt.grid_points = 5;
  auto r = run_search(space, [](const json& p) { return std::pow(p["x"].get<double>() - 0.5, 2) + p["k"].get<int>(); }, opt);
  CHECK(r.trials.size() == 15);
  CHECK(r.best["k"] == 1);
  // x = 0 and x = 1 tie at 0.25: the earlier trial wins, so the answer does not depend on thread timing
  CHECK(r.best["x"].get<double>() == doctest::Approx(0.0));
  CHECK(r.best_metric == doctest::Approx(1.25));
  CHECK(r.trials[r.best_trial].parameters == r.best);
  auto ints = param_domain(int_uniform(1, 3)).grid(10);
  CHECK(ints.size() == 3);  // distinct integers only
  auto logs = param_domain(log_uniform(1e-6, 1)).grid(7);
  CHECK(logs[3].get<double>() == doctest::Approx(1e-3));
}

TEST_CASE("random search: draws within bounds, finds the optimum's neighbourhood, same trials for any thread count") {
  search_space space{{"l2", log_uniform(1e-6, 1)}, {"learning_rate", choice{0.01, 0.1}}, {"epochs", int_uniform(5, 50)}};
  auto objective = [](const json& p) {
    return std::pow(std::log10(p["l2"].get<double>()) + 3, 2) + (p["learning_rate"] == 0.1 ? 0 : 1);
  };
  tuning_options opt;
  opt.trials = 60;
  opt.seed = 7;
  auto r1 = run_search(space, objective, opt);
  opt.threads = 4;
  auto r4 = run_search(space, objective, opt);
  REQUIRE(r1.trials.size() == 60);
  for (const auto& t : r1.trials) {
    CHECK(t.parameters["l2"].get<double>() >= 1e-6);
    CHECK(t.parameters["l2"].get<double>() <= 1.0);
    CHECK(t.parameters["epochs"].is_number_integer());
    CHECK(t.seconds >= 0);
  }
  CHECK(std::abs(std::log10(r1.best["l2"].get<double>()) + 3) < 0.5);
  CHECK(r1.best["learning_rate"] == 0.1);
  CHECK(r1.best == r4.best);
  for (std::size_t i = 0; i < r1.trials.size(); ++i) CHECK(r1.trials[i].parameters == r4.trials[i].parameters);
  opt.seed = 8;
  CHECK(run_search(space, objective, opt).trials[0].parameters != r1.trials[0].parameters);
}

TEST_CASE("trials run in parallel on threads") {
  search_space space{{"x", uniform(0, 1)}};
  tuning_options opt;
  opt.trials = 8;
  opt.threads = 4;
  auto start = std::chrono::steady_clock::now();
  run_search(space, [](const json& p) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    return p["x"].get<double>();
  }, opt);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(s < 8 * 0.060 * 0.6);  // serial would take 0.48 s; 4 threads about 0.12 s
}

TEST_CASE("successive halving spends the full budget only on the best candidates") {
  search_space space{{"x", uniform(0, 1)}};
  tuning_options opt;
  opt.strategy = search_strategy::successive_halving;
  opt.trials = 27;
  opt.min_budget = 1;
  opt.max_budget = 27;
  opt.eta = 3;
  opt.threads = 2;
  std::atomic<std::size_t> spent{0};
  auto r = run_search(space, [&](const json& p, std::size_t budget) {
    spent += budget;
    return std::pow(p["x"].get<double>() - 0.3, 2) + 1.0 / static_cast<double>(budget);
  }, opt);
  CHECK(r.trials.size() == 27 + 9 + 3 + 1);
  CHECK(r.trials.back().budget == 27);
  CHECK(r.trials.back().rung == 3);
  CHECK(r.trials[r.best_trial].budget == 27);
  CHECK(spent.load() == 27 * 1 + 9 * 3 + 3 * 9 + 1 * 27);  // 108, against 27 * 27 = 729 for full random search
  // the survivor is the best of the first rung (the budget term is equal for all at a rung)
  double best_first = 1e9;
  json best_first_p;
  for (const auto& t : r.trials)
    if (t.rung == 0 && t.metric < best_first) best_first = t.metric, best_first_p = t.parameters;
  CHECK(r.best == best_first_p);
}

TEST_CASE("failed trials are recorded and never chosen; all failing is an error") {
  search_space space{{"x", uniform(0, 1)}};
  tuning_options opt;
  opt.trials = 20;
  auto r = run_search(space, [](const json& p) -> double {
    if (p["x"].get<double>() < 0.5) throw std::runtime_error("diverged");
    return p["x"].get<double>();
  }, opt);
  std::size_t failed = 0;
  for (const auto& t : r.trials) failed += t.error == "diverged";
  CHECK(failed > 0);
  CHECK(r.best["x"].get<double>() >= 0.5);
  CHECK_THROWS_WITH_AS(run_search(space, [](const json&) -> double { throw std::runtime_error("boom"); }, opt),
                       doctest::Contains("every trial failed; first error: boom"), std::runtime_error);
  CHECK_THROWS_AS(run_search(search_space{}, [](const json&) { return 0.0; }, opt), std::invalid_argument);
}

TEST_CASE("parameters apply to a reflected stage, nested ones by dotted name, type-checked") {
  fake_trainer t;
  apply_parameters(t, json{{"l2", 0.5}, {"epochs", 3}, {"optimizer.learning_rate", 0.01}});
  CHECK(t.l2 == 0.5);
  CHECK(t.epochs == 3);
  CHECK(t.optimizer.learning_rate == 0.01);
  CHECK(t.optimizer.momentum == 0.9);  // untouched
  CHECK_THROWS_WITH_AS(apply_parameters(t, json{{"epochs", 2.5}}), doctest::Contains("epochs"), parameter_error);
  CHECK_THROWS_WITH_AS(apply_parameters(t, json{{"l3", 1.0}}), doctest::Contains("no parameter 'l3'"), parameter_error);
}

TEST_CASE("HyperParameters: save, load, fingerprint, apply to train") {
  namespace fs = std::filesystem;
  search_space space{{"l2", log_uniform(1e-6, 1)}, {"epochs", int_uniform(1, 20)}};
  tuning_options opt;
  opt.trials = 5;
  auto r = run_search(space, [](const json& p) { return p["l2"].get<double>(); }, opt);
  auto hp = make_hyperparameters(r, "eval_loss", opt);
  auto dir = fs::temp_directory_path() / ("mlpipe-hp-" + std::to_string(std::random_device{}()));
  hp.save(dir);
  auto back = hyperparameters::load(dir);
  CHECK(back.values == hp.values);
  CHECK(back.trials.size() == 5);
  CHECK(back.best_metric == hp.best_metric);
  CHECK(back.strategy == "random");
  CHECK(back.fingerprint() == hp.fingerprint());
  fake_trainer t;
  back.apply_to(t);
  CHECK(t.l2 == r.best["l2"].get<double>());
  CHECK(t.epochs == r.best["epochs"].get<int>());
  fs::remove_all(dir);

  json js = space;
  CHECK(js["l2"]["log_uniform"][0] == 1e-6);
  CHECK(js.get<search_space>() == space);
  CHECK_THROWS_WITH(json::parse(R"({"l2": {"loguniform": [1, 2]}})").get<search_space>(),
                    doctest::Contains("unknown domain 'loguniform'"));
  CHECK_THROWS_WITH_AS(param_domain(log_uniform(0, 1)), doctest::Contains("must be > 0"), std::invalid_argument);
  CHECK_THROWS_AS(param_domain(uniform(2, 1)), std::invalid_argument);
}
