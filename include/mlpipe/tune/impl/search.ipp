// mlpipe/tune/impl/search.ipp: bodies of tune/search.hpp's non-template functions (compiled once into
// libmlpipe by src/tune.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <random>
#include <mlpipe/tune/search.hpp>

namespace mlpipe {

MLPIPE_DECL search_strategy search_strategy_from_string(std::string_view s) {
  if (s == "grid") return search_strategy::grid;
  if (s == "random") return search_strategy::random;
  if (s == "successive_halving" || s == "halving") return search_strategy::successive_halving;
  throw std::invalid_argument("unknown search strategy '" + std::string(s) +
                              "' (expected grid, random or successive_halving)");
}

namespace detail {

MLPIPE_DECL std::vector<nlohmann::json> grid_points(const search_space& space, std::size_t points) {
  std::vector<nlohmann::json> out{nlohmann::json::object()};
  for (const auto& [name, domain] : space) {
    std::vector<nlohmann::json> next;
    for (const auto& partial : out)
      for (const auto& v : domain.grid(points)) {
        auto p = partial;
        p[name] = v;
        next.push_back(std::move(p));
      }
    out = std::move(next);
  }
  return out;
}

MLPIPE_DECL std::vector<nlohmann::json> random_points(const search_space& space, std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<nlohmann::json> out;
  for (std::size_t i = 0; i < n; ++i) {
    nlohmann::json p = nlohmann::json::object();
    for (const auto& [name, domain] : space) p[name] = domain.sample(rng);
    out.push_back(std::move(p));
  }
  return out;
}

MLPIPE_DECL bool better(const trial_record& a, const trial_record& b, bool maximize) {
  if (a.ok() != b.ok()) return a.ok();
  if (!a.ok()) return a.id < b.id;
  if (a.metric != b.metric) return maximize ? a.metric > b.metric : a.metric < b.metric;
  return a.id < b.id;
}

}  // namespace detail

MLPIPE_DECL hyperparameters make_hyperparameters(const tuning_result& r, std::string metric, const tuning_options& opt) {
  hyperparameters h;
  h.values = r.best;
  h.metric = std::move(metric);
  h.maximize = opt.maximize;
  h.best_metric = r.best_metric;
  h.strategy = std::string(to_string(opt.strategy));
  h.trials = r.trials;
  return h;
}

}  // namespace mlpipe
