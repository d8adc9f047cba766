// tests/fuzz/fuzz_target.hpp: how a fuzz target is written once (MLPIPE_FUZZ_TARGET registers it by name) and
// run two ways: by the libFuzzer executable mlpipe_fuzz (MLPIPE_FUZZ_TARGET=name in its environment) or by
// fuzz_replay, which runs the seed corpus and every regression input as an ordinary test; plus the small
// bundle that the bundle and request targets load.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe::fuzz {

using target_fn = int (*)(const std::uint8_t*, std::size_t);
inline std::map<std::string, target_fn>& targets() {
  static std::map<std::string, target_fn> t;
  return t;
}
inline bool register_target(const char* name, target_fn f) { return targets().emplace(name, f).second; }

/// A property of the code under test does not hold: abort, so that libFuzzer (and the replay test) reports it.
[[noreturn]] inline void broken(const char* what) {
  std::fprintf(stderr, "fuzz: broken invariant: %s\n", what);
  std::abort();
}

inline std::string_view text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

/// The input as the artifact loaders read a file (parse_json_text: nesting bounded); nullopt when they refuse
/// it (the parser's own errors are not what these targets look for).
inline std::optional<nlohmann::json> json_of(const std::uint8_t* data, std::size_t size) {
  try {
    return detail::parse_json_text(text(data, size), "input");
  } catch (const std::runtime_error&) {
    return std::nullopt;
  }
}

/// Whether the exception is one of `E...`.
template <class... E>
bool is_one_of(std::exception_ptr p) {
  auto is = [&]<class X>() {
    try {
      std::rethrow_exception(p);
    } catch (const X&) {
      return true;
    } catch (...) {
      return false;
    }
  };
  return (is.template operator()<E>() || ...);
}

/// The input read as an artifact file (json_of) and converted by `from_json`; nullopt when either refuses it,
/// the conversion with one of `Errors...` (refusing is right; any other exception escapes: a finding).
template <class... Errors, class F>
auto load_or_refuse(const std::uint8_t* data, std::size_t size, F&& from_json)
    -> std::optional<std::remove_cvref_t<decltype(from_json(std::declval<const nlohmann::json&>()))>> {
  auto j = json_of(data, size);
  if (!j) return std::nullopt;
  try {
    return from_json(*j);
  } catch (...) {
    if (is_one_of<Errors...>(std::current_exception())) return std::nullopt;
    throw;
  }
}

/// A scratch directory of this process (fuzzers run many processes).
inline const std::filesystem::path& scratch() {
  static const std::filesystem::path p = [] {
    auto base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm") : std::filesystem::temp_directory_path();
    auto d = base / ("mlpipe_fuzz_" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    std::atexit([] {
      std::error_code ec;
      std::filesystem::remove_all(scratch(), ec);
    });
    return d;
  }();
  return p;
}

/// A transform and model trained together, by hand: x (numeric: impute, affine), c (categorical: one-hot of
/// a, b), s (string: hashed into 3 slots) -> 7 features -> logistic model of classes no/yes.
inline const transform_graph& tiny_transform() {
  static const transform_graph g = [] {
    transform_graph t;
    t.label = "y";
    column_transform x;
    x.column = "x";
    x.steps = {{numeric_step_kind::impute, 0.5, 0.0, {}}, {numeric_step_kind::affine, 2.0, 1.0, {}}};
    column_transform c;
    c.column = "c", c.input_kind = column_kind::categorical, c.encoding = feature_encoding::one_hot;
    c.vocabulary = {"a", "b"};
    column_transform s;
    s.column = "s", s.input_kind = column_kind::string, s.encoding = feature_encoding::hashed, s.slots = 3;
    s.has_fill = true, s.fill = "z";
    t.columns = {x, c, s};
    t.finalize();
    return t;
  }();
  return g;
}
inline const model& tiny_model() {
  static const model m = [] {
    model k;
    k.kind = model_kind::logistic, k.features = tiny_transform().width(), k.outputs = 1;
    k.weights = {0.5, -1.0, 2.0, 0.25, 1.5, -0.5, 0.75};
    k.bias = {0.1};
    k.classes = {"no", "yes"};
    k.label = "y";
    return k;
  }();
  return m;
}

}  // namespace mlpipe::fuzz

#define MLPIPE_FUZZ_TARGET(name)                                                                            \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size);                                       \
  [[maybe_unused]] static const bool fuzz_registered_##name = ::mlpipe::fuzz::register_target(#name, fuzz_##name); \
  static int fuzz_##name(const std::uint8_t* data, std::size_t size)
