// mlpipe/core/run_result.hpp: what a run gives back: each node's state (succeeded, failed, skipped, cached),
// its error and summary figures, and its output, fetched by name: `result.get<"model">()`.
#pragma once

#include <array>
#include <cstddef>
#include <memory>
#include <new>
#include <type_traits>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/detail/flat_tuple.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run_report.hpp>

namespace mlpipe {

namespace detail {
/// Storage for one node's output without an engaged flag: the node's state says whether it holds a value
/// (succeeded or cached), so a run writes each output once and nothing else.
template <class T>
class output_slot {
 public:
  output_slot() noexcept {}
  output_slot(const output_slot&) = delete;
  output_slot& operator=(const output_slot&) = delete;
  ~output_slot() {}
  template <class... A>
  void emplace(A&&... a) {
    ::new (static_cast<void*>(std::addressof(value_))) T(std::forward<A>(a)...);
  }
  void destroy() noexcept { value_.~T(); }
  T& operator*() noexcept { return value_; }
  const T& operator*() const noexcept { return value_; }

 private:
  union {
    T value_;
  };
};

constexpr bool holds_output(node_state s) noexcept { return s == node_state::succeeded || s == node_state::cached; }
}  // namespace detail

template <class P>
class run_result;

template <node_type... Nodes>
class run_result<pipeline_t<Nodes...>> {
  using P = pipeline_t<Nodes...>;
  static constexpr std::size_t N = sizeof...(Nodes);

 public:
  using outputs_tuple = detail::flat_tuple<detail::output_slot<typename Nodes::traits::output>...>;

  run_result() = default;
  run_result(const run_result&) = delete;
  run_result& operator=(const run_result&) = delete;
  run_result(run_result&& o) noexcept(
      (std::is_nothrow_move_constructible_v<typename Nodes::traits::output> && ...))
      : states_(o.states_), details_(std::move(o.details_)), run_id_(std::move(o.run_id_)) {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      ((detail::holds_output(states_[Is]) ? detail::tuple_get<Is>(outputs_).emplace(std::move(*detail::tuple_get<Is>(o.outputs_)))
                                          : void()),
       ...);
    }(std::index_sequence_for<Nodes...>{});
  }
  ~run_result() {
    [&]<std::size_t... Is>(std::index_sequence<Is...>) {
      ((detail::holds_output(states_[Is]) ? detail::tuple_get<Is>(outputs_).destroy() : void()), ...);
    }(std::index_sequence_for<Nodes...>{});
  }

  /// True when every node succeeded or came from the cache.
  bool ok() const noexcept {
    for (auto s : states_)
      if (s != node_state::succeeded && s != node_state::cached) return false;
    return true;
  }

  node_state state(std::string_view node) const { return states_[index(node)]; }

  /// The error of a failed node ("" otherwise); for a skipped node, which input stopped it.
  std::string_view error(std::string_view node) const {
    if (!details_) return {};
    return details_->errors[index(node)];
  }

  /// The summary figures the node recorded through its context.
  std::span<const std::pair<std::string, property_value>> records(std::string_view node) const {
    if (!details_) return {};
    return details_->records[index(node)];
  }

  /// How long the node took (executing, or loading from the cache), in seconds; 0 unless the run measured it
  /// (run_options::time_nodes, an observer, or several threads).
  double seconds(std::string_view node) const { return details_ ? details_->seconds[index(node)] : 0.0; }

  /// Where each output of the node was saved (empty unless the run had an observer that keeps artifacts).
  std::span<const artifact_ref> outputs(std::string_view node) const {
    if (!details_) return {};
    return details_->outputs[index(node)];
  }

  /// The names of the nodes in a state, in topological order.
  std::vector<std::string_view> nodes_in(node_state s) const {
    std::vector<std::string_view> r;
    for (auto i : P::graph::value.order)
      if (states_[i] == s) r.push_back(P::graph::value.names[i]);
    return r;
  }

  /// The output of the node named Name: `result.get<"model">()`. Throws when that node did not produce one.
  template <fixed_string Name>
  const auto& get() const {
    constexpr auto i = P::graph::value.find(Name.view());
    static_assert(i != detail::npos, "mlpipe: run_result::get<NAME>(): no node has that name");
    if (!detail::holds_output(states_[i]))
      throw std::logic_error("mlpipe: node '" + std::string(Name.view()) + "' has no output (" +
                             std::string(to_string(states_[i])) + ")");
    return *detail::tuple_get<i>(outputs_);
  }

  /// One line per node: name, state, and the error for those that failed or were skipped.
  std::string summary() const {
    std::string s;
    for (auto i : P::graph::value.order) {
      s += "  ";
      s += P::graph::value.names[i];
      s += ": ";
      s += to_string(states_[i]);
      if (details_ && !details_->errors[i].empty()) s += " (" + details_->errors[i] + ")";
      s += '\n';
    }
    return s;
  }

  const std::string& run_id() const noexcept { return run_id_; }

  // ---- used by the runner ----
  struct details_t {
    std::array<std::string, N> errors;
    std::array<std::vector<std::pair<std::string, property_value>>, N> records;
    std::array<std::vector<artifact_ref>, N> outputs;
    std::array<double, N> seconds{};
  };
  details_t& details() {
    if (!details_) details_ = std::make_unique<details_t>();
    return *details_;
  }
  const details_t* details_if() const noexcept { return details_.get(); }  // null when none were kept
  std::array<node_state, N>& states() noexcept { return states_; }
  const std::array<node_state, N>& states() const noexcept { return states_; }
  outputs_tuple& outputs_storage() noexcept { return outputs_; }
  void set_run_id(std::string id) { run_id_ = std::move(id); }

 private:
  static std::size_t index(std::string_view node) {
    auto i = P::graph::value.find(node);
    if (i == detail::npos) throw std::out_of_range("mlpipe: the pipeline has no node '" + std::string(node) + "'");
    return i;
  }

  outputs_tuple outputs_;
  std::array<node_state, N> states_{};
  std::unique_ptr<details_t> details_;  // allocated only when a node fails, records figures or is recorded
  std::string run_id_;
};

namespace detail {
/// A run's per-node outcome without the pipeline's type (declaration order; the pointers are null when the
/// run kept no details).
struct run_view {
  std::span<const node_state> states;
  const std::string* errors = nullptr;
  const std::vector<std::pair<std::string, property_value>>* records = nullptr;
  const std::vector<artifact_ref>* outputs = nullptr;
  const double* seconds = nullptr;
};
MLPIPE_DECL run_report make_report(const std::string& pipeline, const std::string& run_id, bool ok, const graph_view& g,
                                   const run_view& r);
}  // namespace detail

/// The run's outcome as a run_report, which has no pipeline type: what `main` prints and its extensions read.
template <node_type... Nodes>
run_report make_run_report(const pipeline_t<Nodes...>& p, const run_result<pipeline_t<Nodes...>>& r) {
  detail::run_view v{r.states()};
  if (auto* d = r.details_if()) {
    v.errors = d->errors.data();
    v.records = d->records.data();
    v.outputs = d->outputs.data();
    v.seconds = d->seconds.data();
  }
  return detail::make_report(p.name(), r.run_id(), r.ok(), p.view(), v);
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/run_result.ipp>
#endif
