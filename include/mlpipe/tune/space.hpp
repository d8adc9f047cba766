// mlpipe/tune/space.hpp: a tuner's search space, one domain per parameter:
//   search_space{{"l2", log_uniform(1e-6, 1)}, {"learning_rate", choice{0.01, 0.1}}, {"epochs", int_uniform(5, 50)}}
#pragma once

#include <cstdint>
#include <initializer_list>
#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/detail/decl.hpp>

namespace mlpipe {

/// One of the listed values (numbers, strings, booleans: any JSON value the parameter accepts).
struct choice {
  std::vector<nlohmann::json> values;
  choice(std::initializer_list<nlohmann::json> v) : values(v) {}
  explicit choice(std::vector<nlohmann::json> v) : values(std::move(v)) {}
};
/// A real number drawn evenly from [low, high].
struct uniform {
  double low, high;
  uniform(double lo, double hi) : low(lo), high(hi) {}
};
/// A positive real number whose logarithm is drawn evenly (for scales such as l2 or a learning rate).
struct log_uniform {
  double low, high;
  log_uniform(double lo, double hi) : low(lo), high(hi) {}
};
/// An integer drawn evenly from [low, high], both included.
struct int_uniform {
  std::int64_t low, high;
  int_uniform(std::int64_t lo, std::int64_t hi) : low(lo), high(hi) {}
};

/// The values one parameter may take.
class param_domain {
 public:
  enum class kind_t : std::uint8_t { choice, uniform, log_uniform, int_uniform };

  /// An empty domain (no values); assign a real one before use.
  param_domain() = default;
  param_domain(choice c);
  param_domain(uniform u);
  param_domain(log_uniform u);
  param_domain(int_uniform u);

  kind_t kind() const noexcept { return kind_; }
  double low() const noexcept { return low_; }
  double high() const noexcept { return high_; }
  const std::vector<nlohmann::json>& values() const noexcept { return values_; }

  /// One random value.
  nlohmann::json sample(std::mt19937_64& rng) const;

  /// The grid values: every choice; `points` evenly spaced values for uniform (geometrically for log_uniform),
  /// endpoints included; distinct evenly spaced integers for int_uniform.
  std::vector<nlohmann::json> grid(std::size_t points) const;

  /// {"choice": [...]}, {"uniform": [lo, hi]}, {"log_uniform": [lo, hi]}, {"int_uniform": [lo, hi]}.
  nlohmann::json to_json() const;

  static param_domain from_json(const nlohmann::json& j, const std::string& where = "search space");

  friend MLPIPE_DECL bool operator==(const param_domain& a, const param_domain& b);

 private:
  static std::string num(double v);
  void check_range(const char* what) const;
  kind_t kind_ = kind_t::choice;
  double low_ = 0, high_ = 0;
  std::vector<nlohmann::json> values_;
};

/// Parameter name -> domain. Names are the stage's reflected parameters; "a.b" reaches the nested parameter
/// b of a. Ordered by name, so grids and random draws do not depend on how the space was written.
using search_space = std::map<std::string, param_domain>;

MLPIPE_DECL void to_json(nlohmann::json& j, const param_domain& d);
MLPIPE_DECL void from_json(const nlohmann::json& j, param_domain& d);
/// A domain as a stage parameter (tune's space): compiled into libmlpipe; errors name the parameter's place.
MLPIPE_DECL void write_json_value(nlohmann::json& j, const param_domain& d);
MLPIPE_DECL void read_json_value(const nlohmann::json& j, param_domain& d, const std::string& where);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/tune/impl/space.ipp>
#endif
