// mlpipe/core/context.hpp: what a running stage may ask of the run that calls it.
// A stage takes `context&` as its last argument to log, record summary figures and find its scratch directory.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <mlpipe/core/collective.hpp>

namespace mlpipe {

/// A summary figure a stage records about its execution (row counts, anomaly counts, metrics).
/// The metadata store keeps them as execution properties (int, double or string, as ML Metadata does).
using property_value = std::variant<std::int64_t, double, std::string>;

/// Handed to every stage call. One context per node execution; not shared between threads.
class context {
 public:
  context() = default;
  context(std::string pipeline, std::string node, std::string run_id, std::filesystem::path workdir,
          std::size_t threads = 1)
      : pipeline_(std::move(pipeline)), node_(std::move(node)), run_id_(std::move(run_id)),
        workdir_(std::move(workdir)), threads_(threads) {}

  std::string_view pipeline_name() const noexcept { return pipeline_; }
  std::string_view node_name() const noexcept { return node_; }
  std::string_view run_id() const noexcept { return run_id_; }

  /// A directory the node may write scratch files into; empty when the run keeps everything in memory.
  const std::filesystem::path& workdir() const noexcept { return workdir_; }

  /// How many threads the node may use for its own work.
  std::size_t threads() const noexcept { return threads_; }

  /// Records a summary figure; recording the same key again replaces the value. Integers (and bools) are
  /// kept as int64, floating point as double, text as string.
  void record(std::string key, property_value value) {
    for (auto& [k, v] : records_)
      if (k == key) { v = std::move(value); return; }
    records_.emplace_back(std::move(key), std::move(value));
  }
  template <class T>
    requires std::integral<T>
  void record(std::string key, T value) {
    record(std::move(key), property_value{static_cast<std::int64_t>(value)});
  }
  template <class T>
    requires std::floating_point<T>
  void record(std::string key, T value) {
    record(std::move(key), property_value{static_cast<double>(value)});
  }
  void record(std::string key, const char* value) { record(std::move(key), property_value{std::string(value)}); }
  void record(std::string key, std::string value) { record(std::move(key), property_value{std::move(value)}); }
  void record(std::string key, std::string_view value) {
    record(std::move(key), property_value{std::string(value)});
  }

  const std::vector<std::pair<std::string, property_value>>& records() const noexcept { return records_; }

  /// Informational message from the stage; the run prefixes it with the node's name.
  void log(std::string_view message) const {
    if (sink_) sink_(node_, message);
  }

  /// Where log messages go (set by the runner; by default they are dropped).
  void set_log_sink(std::function<void(std::string_view node, std::string_view message)> sink) {
    sink_ = std::move(sink);
  }

  /// The other processes of a data-parallel run (each holding its own shard), or nullptr when this process
  /// works alone. Stages that support it (train's Newton and minibatch solvers) sum their partial results.
  const mlpipe::collective* collective() const noexcept { return collective_; }
  void set_collective(const mlpipe::collective* c) noexcept { collective_ = c && c->size() > 1 ? c : nullptr; }

 private:
  std::string pipeline_, node_, run_id_;
  std::filesystem::path workdir_;
  std::size_t threads_ = 1;
  std::vector<std::pair<std::string, property_value>> records_;
  std::function<void(std::string_view, std::string_view)> sink_;
  const mlpipe::collective* collective_ = nullptr;
};

}  // namespace mlpipe
