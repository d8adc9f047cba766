// mlpipe/tune/impl/space.ipp: bodies of tune/space.hpp's non-template functions (compiled once into libmlpipe
// by src/tune.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <random>
#include <mlpipe/tune/space.hpp>

#include <cmath>
#include <stdexcept>

namespace mlpipe {

MLPIPE_DECL param_domain::param_domain(choice c) : kind_(kind_t::choice), values_(std::move(c.values)) {
  if (values_.empty()) throw std::invalid_argument("choice{} needs at least one value");
}

MLPIPE_DECL param_domain::param_domain(uniform u) : kind_(kind_t::uniform), low_(u.low), high_(u.high) {
  check_range("uniform");
}

MLPIPE_DECL param_domain::param_domain(log_uniform u) : kind_(kind_t::log_uniform), low_(u.low), high_(u.high) {
  check_range("log_uniform");
  if (!(low_ > 0)) throw std::invalid_argument("log_uniform(" + num(low_) + ", " + num(high_) + "): bounds must be > 0");
}

MLPIPE_DECL param_domain::param_domain(int_uniform u)
    : kind_(kind_t::int_uniform), low_(static_cast<double>(u.low)), high_(static_cast<double>(u.high)) {
  check_range("int_uniform");
}

MLPIPE_DECL nlohmann::json param_domain::sample(std::mt19937_64& rng) const {
  if (kind_ == kind_t::choice && values_.empty()) throw std::invalid_argument("sampling an empty domain");
  switch (kind_) {
    case kind_t::choice:
      return values_[std::uniform_int_distribution<std::size_t>(0, values_.size() - 1)(rng)];
    case kind_t::uniform:
      return std::uniform_real_distribution<double>(low_, high_)(rng);
    case kind_t::log_uniform:
      return std::exp(std::uniform_real_distribution<double>(std::log(low_), std::log(high_))(rng));
    case kind_t::int_uniform:
      return std::uniform_int_distribution<std::int64_t>(static_cast<std::int64_t>(low_),
                                                         static_cast<std::int64_t>(high_))(rng);
  }
  return nullptr;
}

MLPIPE_DECL std::vector<nlohmann::json> param_domain::grid(std::size_t points) const {
  if (kind_ == kind_t::choice) return values_;
  if (points < 1) points = 1;
  std::vector<nlohmann::json> out;
  for (std::size_t i = 0; i < points; ++i) {
    double t = points == 1 ? 0.5 : static_cast<double>(i) / static_cast<double>(points - 1);
    if (kind_ == kind_t::uniform) {
      out.emplace_back(low_ + t * (high_ - low_));
    } else if (kind_ == kind_t::log_uniform) {
      out.emplace_back(std::exp(std::log(low_) + t * (std::log(high_) - std::log(low_))));
    } else {
      auto v = static_cast<std::int64_t>(std::llround(low_ + t * (high_ - low_)));
      if (out.empty() || out.back().get<std::int64_t>() != v) out.emplace_back(v);
    }
  }
  return out;
}

MLPIPE_DECL nlohmann::json param_domain::to_json() const {
  switch (kind_) {
    case kind_t::choice: return {{"choice", values_}};
    case kind_t::uniform: return {{"uniform", {low_, high_}}};
    case kind_t::log_uniform: return {{"log_uniform", {low_, high_}}};
    case kind_t::int_uniform:
      return {{"int_uniform", {static_cast<std::int64_t>(low_), static_cast<std::int64_t>(high_)}}};
  }
  return nullptr;
}

MLPIPE_DECL param_domain param_domain::from_json(const nlohmann::json& j, const std::string& where) {
  auto fail = [&](const std::string& why) -> param_domain {
    throw std::invalid_argument(where + ": " + why + " (got " + j.dump() +
                                "; expected {\"choice\": [...]}, {\"uniform\": [lo, hi]}, "
                                "{\"log_uniform\": [lo, hi]} or {\"int_uniform\": [lo, hi]})");
  };
  if (j.is_array()) return choice(j.get<std::vector<nlohmann::json>>());  // a bare list is a choice
  if (!j.is_object() || j.size() != 1) return fail("a domain is an object with one key");
  const auto first = j.begin();  // (not items(): its proxy would dangle past this statement)
  const std::string key = first.key();
  const nlohmann::json& v = first.value();
  if (key == "choice") {
    if (!v.is_array()) return fail("choice takes a list");
    return choice(v.get<std::vector<nlohmann::json>>());
  }
  if (!v.is_array() || v.size() != 2 || !v[0].is_number() || !v[1].is_number()) return fail(key + " takes [low, high]");
  if (key == "uniform") return uniform(v[0].get<double>(), v[1].get<double>());
  if (key == "log_uniform") return log_uniform(v[0].get<double>(), v[1].get<double>());
  if (key == "int_uniform") {
    if (!v[0].is_number_integer() || !v[1].is_number_integer()) return fail("int_uniform takes integers");
    return int_uniform(v[0].get<std::int64_t>(), v[1].get<std::int64_t>());
  }
  return fail("unknown domain '" + key + "'");
}

MLPIPE_DECL std::string param_domain::num(double v) { return nlohmann::json(v).dump(); }

MLPIPE_DECL void param_domain::check_range(const char* what) const {
  if (!(low_ <= high_) || !std::isfinite(low_) || !std::isfinite(high_))
    throw std::invalid_argument(std::string(what) + "(" + num(low_) + ", " + num(high_) +
                                "): needs finite low <= high");
}

MLPIPE_DECL bool operator==(const param_domain& a, const param_domain& b) {
  return a.kind_ == b.kind_ && a.low_ == b.low_ && a.high_ == b.high_ && a.values_ == b.values_;
}

MLPIPE_DECL void to_json(nlohmann::json& j, const param_domain& d) { j = d.to_json(); }
MLPIPE_DECL void from_json(const nlohmann::json& j, param_domain& d) { d = param_domain::from_json(j); }
MLPIPE_DECL void write_json_value(nlohmann::json& j, const param_domain& d) { to_json(j, d); }
MLPIPE_DECL void read_json_value(const nlohmann::json& j, param_domain& d, const std::string& where) {
  d = param_domain::from_json(j, where);
}

}  // namespace mlpipe
