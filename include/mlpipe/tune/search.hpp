// mlpipe/tune/search.hpp: grid, random and successive-halving search over a search_space, trials run in
// parallel on threads; its result as the `hyperparameters` artifact (train/hyperparameters.hpp).
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/train/hyperparameters.hpp>
#include <mlpipe/tune/space.hpp>

namespace mlpipe {

enum class search_strategy : std::uint8_t { grid, random, successive_halving };

inline std::string_view to_string(search_strategy s) noexcept {
  switch (s) {
    case search_strategy::grid: return "grid";
    case search_strategy::random: return "random";
    default: return "successive_halving";
  }
}
MLPIPE_DECL search_strategy search_strategy_from_string(std::string_view s);

/// How to search.
struct tuning_options {
  search_strategy strategy = search_strategy::random;
  std::size_t trials = 20;       // random: trials; successive halving: candidates at the first rung
  std::size_t grid_points = 5;   // grid: values per continuous parameter (choices are all taken)
  std::uint64_t seed = 0;        // random draws; the same seed gives the same trials whatever the threads
  std::size_t threads = 1;       // trials run concurrently
  bool maximize = false;         // true for a score (auc), false for a loss
  // successive halving: budgets min_budget, min_budget*eta, ... up to max_budget (e.g. epochs); after each
  // rung only the best 1/eta of the candidates go on.
  std::size_t min_budget = 1, max_budget = 27, eta = 3;
};

/// What a search found: the best trial's parameters and every trial, in id order.
struct tuning_result {
  nlohmann::json best = nlohmann::json::object();
  double best_metric = std::numeric_limits<double>::quiet_NaN();
  std::size_t best_trial = 0;
  std::vector<trial_record> trials;
};

/// A trial: parameters (a JSON object name -> value) to the metric, optionally given a budget (successive
/// halving passes it; other strategies pass max_budget).
template <class F>
concept trial_function = requires(F& f, const nlohmann::json& p, std::size_t budget) {
  { f(p) } -> std::convertible_to<double>;
} || requires(F& f, const nlohmann::json& p, std::size_t budget) {
  { f(p, budget) } -> std::convertible_to<double>;
};

namespace detail {

// The cartesian product of every parameter's grid, in name order (last name varies fastest).
MLPIPE_DECL std::vector<nlohmann::json> grid_points(const search_space& space, std::size_t points);

MLPIPE_DECL std::vector<nlohmann::json> random_points(const search_space& space, std::size_t n, std::uint64_t seed);

template <class F>
double call_trial(F& f, const nlohmann::json& p, std::size_t budget) {
  if constexpr (requires { f(p, budget); })
    return static_cast<double>(f(p, budget));
  else
    return static_cast<double>(f(p));
}

// Runs the trials (parameters and budget already set) on `threads` threads; each fills its own record.
template <class F>
void run_trials(F& f, std::vector<trial_record>& batch, std::size_t threads) {
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t i; (i = next.fetch_add(1)) < batch.size();) {
      auto& t = batch[i];
      auto start = std::chrono::steady_clock::now();
      try {
        t.metric = call_trial(f, t.parameters, t.budget);
        if (std::isnan(t.metric)) t.error = "the trial's metric is NaN";
      } catch (const std::exception& e) {
        t.error = e.what();
      } catch (...) {
        t.error = "unknown exception";
      }
      t.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
  };
  threads = std::clamp<std::size_t>(threads, 1, std::max<std::size_t>(batch.size(), 1));
  if (threads == 1) {
    worker();
    return;
  }
  std::vector<std::thread> pool;
  for (std::size_t k = 0; k < threads; ++k) pool.emplace_back(worker);
  for (auto& th : pool) th.join();
}

// Is a better than b? Failed trials are worst; ties go to the lower id (deterministic).
MLPIPE_DECL bool better(const trial_record& a, const trial_record& b, bool maximize);

}  // namespace detail

/// Searches `space` with `trial` (parameters -> metric). Trials that throw or give NaN are recorded with their
/// error and never chosen; if every trial fails, throws std::runtime_error with the first error.
template <trial_function F>
tuning_result run_search(const search_space& space, F&& trial, const tuning_options& opt = {}) {
  if (space.empty()) throw std::invalid_argument("tune: the search space is empty");
  tuning_result result;
  auto make_batch = [&](const std::vector<nlohmann::json>& points, std::size_t rung, std::size_t budget) {
    std::vector<trial_record> batch;
    for (const auto& p : points) {
      trial_record t;
      t.id = result.trials.size() + batch.size();
      t.rung = rung;
      t.budget = budget;
      t.parameters = p;
      batch.push_back(std::move(t));
    }
    return batch;
  };

  std::vector<trial_record> finalists;  // the trials the best is chosen from
  if (opt.strategy != search_strategy::successive_halving) {
    auto points = opt.strategy == search_strategy::grid ? detail::grid_points(space, opt.grid_points)
                                                        : detail::random_points(space, opt.trials, opt.seed);
    if (points.empty()) throw std::invalid_argument("tune: no trials to run (trials = 0?)");
    auto batch = make_batch(points, 0, opt.max_budget);
    detail::run_trials(trial, batch, opt.threads);
    result.trials = batch;
    finalists = std::move(batch);
  } else {
    if (opt.eta < 2) throw std::invalid_argument("tune: successive halving needs eta >= 2");
    if (opt.min_budget < 1 || opt.min_budget > opt.max_budget)
      throw std::invalid_argument("tune: successive halving needs 1 <= min_budget <= max_budget");
    auto points = detail::random_points(space, opt.trials, opt.seed);
    if (points.empty()) throw std::invalid_argument("tune: no trials to run (trials = 0?)");
    std::size_t budget = opt.min_budget;
    for (std::size_t rung = 0;; ++rung) {
      auto batch = make_batch(points, rung, budget);
      detail::run_trials(trial, batch, opt.threads);
      result.trials.insert(result.trials.end(), batch.begin(), batch.end());
      const bool last = budget >= opt.max_budget || points.size() == 1;
      if (last) {
        finalists = std::move(batch);
        break;
      }
      std::sort(batch.begin(), batch.end(), [&](const auto& a, const auto& b) { return detail::better(a, b, opt.maximize); });
      std::size_t keep = std::max<std::size_t>(1, points.size() / opt.eta);
      points.clear();
      for (std::size_t i = 0; i < keep && batch[i].ok(); ++i) points.push_back(batch[i].parameters);
      if (points.empty()) {
        finalists = std::move(batch);
        break;
      }
      budget = std::min(opt.max_budget, budget * opt.eta);
    }
  }
  const trial_record* best = nullptr;
  for (const auto& t : finalists)
    if (!best || detail::better(t, *best, opt.maximize)) best = &t;
  if (!best || !best->ok()) {
    std::string first;
    for (const auto& t : result.trials)
      if (!t.error.empty()) { first = t.error; break; }
    throw std::runtime_error("tune: every trial failed; first error: " + first);
  }
  result.best = best->parameters;
  result.best_metric = best->metric;
  result.best_trial = best->id;
  return result;
}

/// The HyperParameters artifact of a search's result.
MLPIPE_DECL hyperparameters make_hyperparameters(const tuning_result& r, std::string metric, const tuning_options& opt);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/tune/impl/search.ipp>
#endif
