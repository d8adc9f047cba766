// mlpipe/core/run.hpp: executing a pipeline. `run(p)` calls the nodes in the topological order fixed at compile
// time with no per-node dispatch; `run(p, {.threads = 2})` runs independent nodes at once; `run_node` runs one.
#pragma once

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/artifact.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/detail/persist.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/observer.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run_options.hpp>
#include <mlpipe/core/run_report.hpp>
#include <mlpipe/core/run_result.hpp>

namespace mlpipe {

namespace detail {

inline std::string describe_exception(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// A node's per-run details (errors, records, outputs, durations), reached without the pipeline's type.
struct node_details {
  std::string* errors;
  std::vector<std::pair<std::string, property_value>>* records;
  std::vector<artifact_ref>* outputs;
  double* seconds;
};

/// What a run shares with its nodes, without the pipeline's type: the careful path (execute) is compiled once
/// into libmlpipe and reaches the typed parts (the stages, the output slots) through each node's thunks.
struct run_env_base {
  explicit run_env_base(const run_options& o) : options(o) {}
  const run_options& options;
  bool parallel = false;
  std::mutex observer_mutex;  // observer calls are serialized
  const std::string* pipeline_name = nullptr;
  node_state* states = nullptr;
  node_details (*details_of)(run_env_base&) = nullptr;  // allocates the result's details on first use
  const std::string& (*run_id_of)(run_env_base&) = nullptr;
  node_details details() { return details_of(*this); }
  const std::string& run_id() { return run_id_of(*this); }
};

template <class P>
struct run_env : run_env_base {
  run_env(P& p, run_result<P>& r, const run_options& o) : run_env_base(o), pipeline(p), result(r) {
    pipeline_name = &p.name();
    states = r.states().data();
    details_of = [](run_env_base& b) {
      auto& d = static_cast<run_env&>(b).result.details();
      return node_details{d.errors.data(), d.records.data(), d.outputs.data(), d.seconds.data()};
    };
    run_id_of = [](run_env_base& b) -> const std::string& {
      auto& self = static_cast<run_env&>(b);
      if (self.result.run_id().empty())
        self.result.set_run_id(self.options.run_id.empty() ? make_run_id() : self.options.run_id);
      return self.result.run_id();
    };
  }
  P& pipeline;
  run_result<P>& result;
};

template <class T>
constexpr bool is_stage_cacheable() {
  if constexpr (requires { bool{T::cacheable}; })
    return T::cacheable;
  else
    return true;
}

/// What the careful path needs of node I, as plain function pointers: the per-node code stays a few small
/// thunks, and the logic around them (skip, record, cache, save) is compiled once per pipeline, not per node.
struct resolved_inputs;

struct node_ops {
  // Runs the stage on its producers' outputs (and resolved optional inputs, or nullptr) and stores its output.
  // (Each takes the run as run_env_base and casts it back to its pipeline's run_env.)
  void (*call)(run_env_base&, context*, const void* const* resolved);
  resolved_inputs (*resolve)(run_observer&, const node_info&, std::vector<artifact_ref>& inputs);  // or nullptr
  std::vector<artifact_ref> (*save)(run_env_base&, const std::filesystem::path& dir);  // empty dir: describe only
  void (*load)(run_env_base&, const std::vector<artifact_ref>&);  // its output from cached artifacts
  void (*reset)(run_env_base&);
  void (*parameters)(run_env_base&, nlohmann::json& out);
  std::uint64_t (*parameters_fingerprint)(run_env_base&);
  std::uint64_t (*source_fingerprint)(run_env_base&);  // what a stage reads from outside the pipeline, or 0
  // run_node: loads the node's wired inputs from the directories given for its ports ("" or what is wrong),
  // and names its outputs (key, ML Metadata type; none when its output is not an artifact).
  std::string (*load_inputs)(run_env_base&, const node_paths&);  // nullptr when its output is no artifact
  std::vector<std::pair<std::string, std::string>> (*outputs)();
  std::string_view stage;
  int version;
  bool takes_context, cacheable, persistable;
  bool data_parallel;  // is_data_parallel<stage>: it gets run_options::collective in its context
};

/// Node I's K-th argument: its producer's output (or the member of it the input takes); for an optional input,
/// an optional_input<T> pointing at that, at what the store resolved (`resolved[K]`), or at nothing.
template <std::size_t I, std::size_t K, class P>
[[gnu::always_inline]] inline decltype(auto) input_argument(run_env<P>& env, const void* const* resolved) {
  using traits = typename P::template node_type_at<I>::traits;
  using in_t = typename traits::template input<K>;
  using port_t = typename traits::template port_type<K>;
  constexpr auto& g = P::graph::value;
  constexpr std::size_t edge = g.port_edge[g.port_begin[I] + K];
  if constexpr (edge == npos) {
    return in_t(resolved ? static_cast<const port_t*>(resolved[K]) : nullptr);
  } else {
    // A reference into the producer's output (the whole of it, or a member), or a new object when the input
    // converts it (e.g. a model into any_model): that one is returned by value, so it lives through the call.
    decltype(auto) value = select_port<port_t>(*detail::tuple_get<g.producer[edge]>(env.result.outputs_storage()));
    if constexpr (std::is_reference_v<decltype(value)>) {
      if constexpr (traits::optional[K])
        return in_t(&value);
      else
        return value;
    } else if constexpr (traits::optional[K]) {
      return in_t(std::in_place, std::move(value));
    } else {
      return value;
    }
  }
}

template <std::size_t I, class P>
[[gnu::always_inline]] inline void call_node(run_env<P>& env, context* ctx, const void* const* resolved) {
  using node_t = typename P::template node_type_at<I>;
  using traits = typename node_t::traits;
  auto& outs = env.result.outputs_storage();
  auto& stage = env.pipeline.template node_at<I>().stage();
  [&]<std::size_t... Ks>(std::index_sequence<Ks...>) {
    if constexpr (traits::takes_context)
      tuple_get<I>(outs).emplace(stage(input_argument<I, Ks>(env, resolved)..., *ctx));
    else
      tuple_get<I>(outs).emplace(stage(input_argument<I, Ks>(env, resolved)...));
  }(std::make_index_sequence<traits::arity>{});
  (void)resolved;
}

/// Values the observer resolved for a node's unwired optional inputs, kept alive while the node runs.
struct resolved_inputs {
  std::vector<std::shared_ptr<const void>> values;  // per input; empty where nothing was resolved
  std::vector<const void*> pointers;                // values[k].get(), what the call reads
};

/// Asks the observer for one unwired optional input of type Port named `name`; loads what it names into `value`
/// and adds its reference to `inputs` (its port and fingerprint set). One function per artifact type.
template <class Port>
void resolve_port(run_observer& obs, const node_info& info, std::string_view name, std::shared_ptr<const void>& value,
                  std::vector<artifact_ref>& inputs) {
  std::optional<artifact_ref> ref;
  try {
    ref = obs.resolve_input(info, name, Port::type_name);
    if (!ref) return;
    auto loaded = std::make_shared<const Port>(Port::load(ref->uri));
    ref->fingerprint = loaded->fingerprint();
    value = std::move(loaded);
  } catch (const std::exception& e) {
    throw std::runtime_error("filling optional input '" + std::string(name) + "' from the store failed: " + e.what());
  }
  ref->port = std::string(name);
  if (ref->key.empty()) ref->key = ref->port;
  ref->type_name = std::string(Port::type_name);
  inputs.push_back(std::move(*ref));
}

/// Asks the observer to fill node I's unwired optional artifact inputs; loads each one it names and adds it
/// to `inputs` (its port and fingerprint set), so it is recorded and keys the cache like a wired input.
template <std::size_t I, class P>
resolved_inputs resolve_node_inputs(run_observer& obs, const node_info& info, std::vector<artifact_ref>& inputs) {
  using traits = typename P::template node_type_at<I>::traits;
  constexpr auto& g = P::graph::value;
  resolved_inputs r;
  r.values.resize(traits::arity);
  [&]<std::size_t... Ks>(std::index_sequence<Ks...>) {
    (
        [&] {
          using port_t = typename traits::template port_type<Ks>;
          constexpr std::size_t port = g.port_begin[I] + Ks;
          if constexpr (g.port_edge[port] == npos && artifact<port_t>)
            resolve_port<port_t>(obs, info, g.port_names[port], r.values[Ks], inputs);
        }(),
        ...);
  }(std::make_index_sequence<traits::arity>{});
  for (auto& v : r.values) r.pointers.push_back(v.get());
  return r;
}

/// Whether node I has an unwired optional input the store could fill.
template <std::size_t I, class P>
constexpr bool has_resolvable_input() {
  using traits = typename P::template node_type_at<I>::traits;
  constexpr auto& g = P::graph::value;
  return []<std::size_t... Ks>(std::index_sequence<Ks...>) {
    return ((g.port_edge[g.port_begin[I] + Ks] == npos && artifact<typename traits::template port_type<Ks>>) || ... ||
            false);
  }(std::make_index_sequence<traits::arity>{});
}

template <std::size_t I, std::size_t K, class P>
std::string load_input(run_env<P>& env, const node_paths& paths);
template <std::size_t I, class P>
std::vector<std::pair<std::string, std::string>> outputs_of();

template <std::size_t I, class P>
void call_node_thunk(run_env_base& env, context* ctx, const void* const* resolved) {
  call_node<I, P>(static_cast<run_env<P>&>(env), ctx, resolved);
}

template <std::size_t I, class P>
constexpr node_ops make_node_ops() {
  using node_t = typename P::template node_type_at<I>;
  using stage_t = typename node_t::stage_type;
  using out_t = typename node_t::traits::output;
  using env_t = run_env<P>;
  node_ops ops{};
  ops.call = &call_node_thunk<I, P>;
  if constexpr (has_resolvable_input<I, P>()) ops.resolve = &resolve_node_inputs<I, P>;
  ops.save = [](run_env_base& env, const std::filesystem::path& dir) -> std::vector<artifact_ref> {
    if constexpr (persistable<out_t>) {
      const auto& out = *tuple_get<I>(static_cast<env_t&>(env).result.outputs_storage());
      return dir.empty() ? describe_outputs(out) : save_outputs(out, dir);
    } else {
      (void)env, (void)dir;
      return {};
    }
  };
  ops.load = [](run_env_base& env, const std::vector<artifact_ref>& refs) {
    if constexpr (persistable<out_t>)
      tuple_get<I>(static_cast<env_t&>(env).result.outputs_storage()).emplace(load_outputs<out_t>(refs));
    else
      (void)env, (void)refs;
  };
  ops.reset = [](run_env_base& env) { tuple_get<I>(static_cast<env_t&>(env).result.outputs_storage()).destroy(); };
  ops.parameters = [](run_env_base& env, nlohmann::json& out) {
    detail::write_parameters(static_cast<env_t&>(env).pipeline.template node_at<I>().stage(), out);
  };
  ops.parameters_fingerprint = [](run_env_base& env) {
    return parameters_fingerprint(static_cast<env_t&>(env).pipeline.template node_at<I>().stage());
  };
  ops.source_fingerprint = [](run_env_base& env) -> std::uint64_t {
    const auto& stage = static_cast<env_t&>(env).pipeline.template node_at<I>().stage();
    if constexpr (requires { { stage.source_fingerprint() } -> std::convertible_to<std::uint64_t>; })
      return stage.source_fingerprint();
    else
      return (void)stage, 0;
  };
  if constexpr (persistable<out_t>)  // (run_node refuses a node whose output is no artifact before loading)
    ops.load_inputs = [](run_env_base& env, const node_paths& paths) {
      std::string err;
      [&]<std::size_t... Ks>(std::index_sequence<Ks...>) {
        ((err.empty() ? (void)(err = load_input<I, Ks, P>(static_cast<env_t&>(env), paths)) : void()), ...);
      }(std::make_index_sequence<node_t::traits::arity>{});
      return err;
    };
  ops.outputs = &outputs_of<I, P>;
  ops.stage = stage_name<stage_t>();
  ops.version = stage_version<stage_t>();
  ops.takes_context = node_t::traits::takes_context;
  ops.persistable = persistable<out_t>;
  ops.cacheable = persistable<out_t> && is_stage_cacheable<stage_t>();
  ops.data_parallel = is_data_parallel<stage_t>;
  return ops;
}

/// The graph and the node thunks as the careful path reads them, without the pipeline's type.
struct exec_tables {
  std::span<const std::string_view> names;
  std::span<const std::size_t> in_begin;     // node i's input edges are [in_begin[i], in_begin[i + 1])
  std::span<const std::size_t> producer;     // per edge
  std::span<const std::size_t> edge_input;   // per edge: the consumer's input it fills
  std::span<const std::size_t> edge_member;  // per edge: the member of the producer's output it reads, or npos
  std::span<const std::size_t> port_begin;
  std::span<const std::string_view> port_names;
  std::span<const node_ops> ops;
  std::span<const std::size_t> order;       // topological
  std::span<const std::size_t> out_begin;   // node i's consumers are out_nodes[out_begin[i] .. out_begin[i + 1])
  std::span<const std::size_t> out_nodes;
  std::span<const std::string_view> in_names;  // per edge: the producer's name as from<...> wrote it
  std::span<const std::size_t> port_edge;   // per port: the edge that fills it, or npos
};

template <class P>
struct pipeline_ops {
  using G = typename P::graph;
  template <std::size_t... Is>
  static constexpr auto make_ops(std::index_sequence<Is...>) {
    return std::array<node_ops, sizeof...(Is)>{make_node_ops<Is, P>()...};
  }
  // For each edge: the member of the producer's output the consumer reads, npos when it reads all of it.
  template <std::size_t... Es>
  static constexpr auto make_members(std::index_sequence<Es...>) {
    return std::array<std::size_t, sizeof...(Es)>{
        (edge_check<G, typename P::nodes_list, Es>::selection::by_member
             ? edge_check<G, typename P::nodes_list, Es>::selection::member
             : npos)...};
  }
  static constexpr auto ops = make_ops(std::make_index_sequence<P::size>{});
  static constexpr auto edge_member = make_members(std::make_index_sequence<G::edges>{});
  static constexpr exec_tables tables() {
    constexpr auto& g = G::value;
    return {g.names,
            g.in_begin,
            std::span<const std::size_t>(g.producer.data(), G::edges),
            std::span<const std::size_t>(g.edge_input.data(), G::edges),
            edge_member,
            g.port_begin,
            std::span<const std::string_view>(g.port_names.data(), G::ports),
            ops,
            g.order,
            g.out_begin,
            std::span<const std::size_t>(g.out_nodes.data(), G::edges),
            std::span<const std::string_view>(g.in_names.data(), G::edges),
            std::span<const std::size_t>(g.port_edge.data(), G::ports)};
  }
};

inline std::string skip_reason(std::string_view producer, node_state s) {
  return "input '" + std::string(producer) + "' " + (s == node_state::failed ? "failed" : "was not run");
}

/// The careful path for node i: skips it when an input is missing, else calls its stage (or, with an
/// observer, takes its outputs from the cache) and stores its output. Never throws: an exception fails the node.
/// (Compiled once, in libmlpipe: it reaches the node through t.ops[i].)
MLPIPE_DECL void execute_node(run_env_base& env, const exec_tables& t, std::size_t i);

template <class P>
void execute(run_env<P>& env, std::size_t i) {
  static constexpr exec_tables t = pipeline_ops<P>::tables();
  execute_node(env, t, i);
}

/// A context-taking stage on the optimistic path: one function per pipeline (the stage is reached through
/// the node's call thunk), so a long pipeline does not carry a context's set-up once per node.
template <class P>
[[gnu::noinline]] void call_with_context(run_env<P>& env, std::size_t i) {
  context ctx(env.pipeline.name(), std::string(P::graph::value.names[i]), env.run_id(), {}, env.options.threads);
  if (env.options.log) ctx.set_log_sink(env.options.log);
  if (pipeline_ops<P>::ops[i].data_parallel) ctx.set_collective(env.options.collective);
  pipeline_ops<P>::ops[i].call(env, &ctx, nullptr);
  if (!ctx.records().empty()) env.result.details().records[i] = ctx.records();
}

/// Runs node I assuming its inputs exist (true on the optimistic path below); lets exceptions through.
/// Always inlined so that a chain of small stages compiles to the same code as calling them by hand.
template <std::size_t I, class P>
[[gnu::always_inline]] inline void execute_unchecked(run_env<P>& env) {
  if constexpr (P::template node_type_at<I>::traits::takes_context)
    call_with_context(env, I);
  else
    call_node<I, P>(env, nullptr, nullptr);
}

/// One thread, no observer. Optimistic: every node runs in topological order with no per-node checks (the
/// compiler sees one straight sequence of calls). If a node throws, that node is marked failed and the nodes
/// after it run the careful way, so downstream nodes are skipped and independent branches still finish.
template <class P, std::size_t... Is>
void run_sequential(run_env<P>& env, std::index_sequence<Is...>) {
  constexpr auto& g = P::graph::value;
  constexpr std::size_t n = sizeof...(Is);
  auto& states = env.result.states();
  std::size_t position = 0;  // the position in topological order of the node running now
  try {
    ((position = Is, execute_unchecked<g.order[Is]>(env)), ...);
    states.fill(node_state::succeeded);
    return;
  } catch (...) {
    for (std::size_t k = 0; k < position; ++k) states[g.order[k]] = node_state::succeeded;
    std::size_t failed = g.order[position];
    states[failed] = node_state::failed;
    env.result.details().errors[failed] = describe_exception(std::current_exception());
  }
  // After a failure: the careful path (inputs checked, downstream skipped) for the rest.
  for (std::size_t k = position + 1; k < n; ++k) execute(env, g.order[k]);
}

/// With an observer: every node the careful way (recording, caching), in topological order.
template <class P>
void run_observed(run_env<P>& env) {
  for (auto i : P::graph::value.order) execute(env, i);
}

/// Independent nodes at once: a node becomes ready when its last input is done; the thread that finishes a
/// node goes straight on with one ready successor (no queue on chains) and shares the others. (Compiled once.)
MLPIPE_DECL void run_parallel(run_env_base& env, const exec_tables& t, std::size_t threads);

}  // namespace detail

/// Runs every node of the pipeline. A node that throws fails with its message; the nodes downstream of it
/// are skipped and the other branches finish. The result says which nodes ran, failed and were skipped.
template <node_type... Nodes>
run_result<pipeline_t<Nodes...>> run(pipeline_t<Nodes...>& p, const run_options& options = {}) {
  using P = pipeline_t<Nodes...>;
  run_result<P> result;
  detail::run_env<P> env{p, result, options};
  if (options.observer) {
    std::array<std::string, P::size> names;
    for (std::size_t i = 0; i < P::size; ++i) names[i] = std::string(P::graph::value.names[i]);
    options.observer->run_started(p.name(), env.run_id(), names);
  }
  if (options.threads > 1 && P::size > 1) {
    env.parallel = true;
    result.details();  // allocated up front: threads must not race to create it
    static constexpr detail::exec_tables t = detail::pipeline_ops<P>::tables();
    detail::run_parallel(env, t, options.threads);
  } else if (options.observer || options.time_nodes) {
    detail::run_observed(env);
  } else {
    detail::run_sequential(env, std::index_sequence_for<Nodes...>{});
  }
  if (options.observer) options.observer->run_finished(result.ok());
  return result;
}

namespace detail {
MLPIPE_DECL std::string join_names(const std::vector<std::string>& names);

/// Puts a finished artifact directory at `to` (renamed when on the same file system, else copied through a
/// temporary name); keep_source copies (a cached artifact stays where the store points).
MLPIPE_DECL void place_artifact(const std::filesystem::path& from, const std::filesystem::path& to, bool keep_source);

/// The observer run_node runs one node under: it forwards to the caller's observer (the store's recorder,
/// or none) and puts each output at the path the orchestrator gave (staged beside it, renamed into place).
class output_placer final : public run_observer {
 public:
  output_placer(run_observer* inner, const node_paths& paths, std::filesystem::path staging, bool all_targeted)
      : inner_(inner), inputs_(paths.inputs), targets_(paths.outputs), staging_(std::move(staging)),
        all_targeted_(all_targeted) {}

  /// An unwired optional input: the directory given for its port, else what the caller's observer finds.
  MLPIPE_DECL std::optional<artifact_ref> resolve_input(const node_info& n, std::string_view port,
                                                        std::string_view type) override;
  MLPIPE_DECL std::optional<std::vector<artifact_ref>> find_cached(const node_info& n,
                                                                   std::span<const artifact_ref> in) override;
  MLPIPE_DECL void node_cached(const node_info& n, std::span<const artifact_ref> in,
                               std::span<const artifact_ref> out) override;
  MLPIPE_DECL std::filesystem::path node_started(const node_info& n, std::span<const artifact_ref> in) override;
  MLPIPE_DECL void node_succeeded(const node_info& n, std::span<const artifact_ref> out,
                                  std::span<const std::pair<std::string, property_value>> records) override;
  MLPIPE_DECL void node_failed(const node_info& n, std::string_view error) override;
  MLPIPE_DECL void node_skipped(const node_info& n, std::string_view why) override;
  MLPIPE_DECL std::vector<std::pair<std::string, property_value>> cached_records(const node_info& n) override;
  const std::vector<artifact_ref>& placed() const noexcept { return placed_; }

 private:
  MLPIPE_DECL void drop_staging();
  run_observer* inner_;
  const std::map<std::string, std::filesystem::path, std::less<>>& inputs_;
  const std::map<std::string, std::filesystem::path, std::less<>>& targets_;
  std::filesystem::path staging_;
  bool all_targeted_;
  std::vector<artifact_ref> placed_;
};

/// The checks of load_input that do not depend on the types: the directory given for the port exists and
/// holds no other artifact type. Returns "" and sets `dir`, or what is wrong.
MLPIPE_DECL std::string check_input_directory(const node_paths& paths, std::string_view port, std::string_view from,
                                              std::string_view expected, const std::filesystem::path*& dir);
/// The message when the artifact in `dir` cannot be loaded (with a hint when the directory is the folder
/// --output wrote, holding the artifact under one of `output_keys` of the same type).
MLPIPE_DECL std::string input_load_error(const std::filesystem::path& dir, std::string_view port,
                                         std::string_view expected, std::string_view what,
                                         const std::vector<std::pair<std::string, std::string>>& outputs);
/// The checks of run_node's command that do not depend on the types: every --input names one of the node's
/// ports; every --output one of its outputs (`keys`), into a new or empty directory. Each returns "" or the
/// usage error (without the node's name); `missing` gets the outputs no --output names.
MLPIPE_DECL std::string check_input_ports(const node_paths& paths, const std::vector<std::string>& ports);
MLPIPE_DECL std::string check_output_paths(const node_paths& paths, const std::vector<std::string>& keys,
                                           std::vector<std::string>& missing);

/// load_input's work for one producer output type and port type (one function for every node that reads the
/// same, named by those two types only): loads the artifact from the port's directory into the producer's slot.
template <class Out, class Port>
std::string load_port(run_env_base& env, void* slot_ptr, std::size_t producer, std::string_view port_name,
                      std::string_view from_name, const node_paths& paths) {
  using sel = port_selection<Out, Port>;
  // What the producer wrote: its whole output (which the input may convert, e.g. a model into any_model),
  // else the member of its several outputs that the input reads.
  using in_t = std::conditional_t<sel::whole, Out, Port>;
  const std::string port(port_name), from(from_name);
  if constexpr (!artifact<in_t>) {
    (void)env, (void)slot_ptr, (void)producer, (void)paths;
    return "input port '" + port + "' takes a value that is not an artifact (no type_name, save, load, "
           "fingerprint), so it cannot be handed from another process: run the whole pipeline instead";
  } else {
    const std::string_view expected(in_t::type_name);
    const std::filesystem::path* dir = nullptr;
    if (auto err = check_input_directory(paths, port, from, expected, dir); !err.empty()) return err;
    std::optional<in_t> value;
    try {
      value.emplace(in_t::load(*dir));
    } catch (const std::exception& e) {
      return input_load_error(*dir, port, expected, e.what(), output_ports<Out>());
    }
    auto& slot = *static_cast<output_slot<Out>*>(slot_ptr);
    auto& refs = env.details().outputs[producer];
    const auto fp = static_cast<std::uint64_t>(value->fingerprint());
    if constexpr (sel::whole) {
      slot.emplace(std::move(*value));
      refs.assign(1, artifact_ref{output_key<Out, 0>(), 0, std::string(expected), *dir, fp, {}});
    } else if constexpr (std::is_default_constructible_v<Out>) {
      // One member of the producer's several outputs; the others stay empty (this node does not read them).
      if (!holds_output(env.states[producer])) slot.emplace();
      auto& whole = *slot;
      if constexpr (is_tuple<Out>::value)
        std::get<sel::member>(whole) = std::move(*value);
      else
        boost::hana::second(boost::hana::at_c<sel::member>(boost::hana::accessors<Out>()))(whole) = std::move(*value);
      refs.resize(output_members<Out>::types::size);
      refs[sel::member] = artifact_ref{output_key<Out, sel::member>(), 0, std::string(expected), *dir, fp, {}};
    } else {
      return "input port '" + port + "': node '" + from + "''s outputs cannot be built one at a time (no default constructor)";
    }
    env.states[producer] = node_state::succeeded;
    return {};
  }
}

/// Loads node I's K-th input, a wired one, from the directory given for its port into its producer's output
/// slot, as if the producer had run in this process. Returns "" or what is wrong with the call. (An unwired
/// optional input is filled by the observer's resolve_input, as in run(); see output_placer.)
template <std::size_t I, std::size_t K, class P>
std::string load_input(run_env<P>& env, const node_paths& paths) {
  constexpr auto& g = P::graph::value;
  constexpr std::size_t port_index = g.port_begin[I] + K;
  constexpr std::size_t edge = g.port_edge[port_index];
  if constexpr (edge == npos) {
    (void)env, (void)paths;
    return {};
  } else {
    constexpr std::size_t producer = g.producer[edge];
    using port_t = typename P::template node_type_at<I>::traits::template port_type<K>;
    using out_t = typename P::template node_type_at<producer>::traits::output;
    return load_port<out_t, port_t>(env, &tuple_get<producer>(env.result.outputs_storage()), producer,
                                    g.port_names[port_index], g.names[producer], paths);
  }
}

/// run_node's work for node i, compiled once: the checks of the command, the observer that places the outputs
/// (set into `o`, the options `env` was made with), loading the inputs and the careful path.
MLPIPE_DECL node_run_result run_one_node(run_env_base& env, run_options& o, const exec_tables& t, std::size_t i,
                                         const node_paths& paths, const run_options& options);

template <class P>
node_run_result run_one(P& p, std::size_t i, const node_paths& paths, const run_options& options) {
  static constexpr exec_tables t = pipeline_ops<P>::tables();
  run_result<P> r;
  r.details();
  run_options o = options;
  run_env<P> env{p, r, o};
  return run_one_node(env, o, t, i, paths, options);
}
}  // namespace detail

namespace detail {
template <std::size_t I, class P>
std::vector<std::pair<std::string, std::string>> outputs_of() {
  using out_t = typename P::template node_type_at<I>::traits::output;
  if constexpr (persistable<out_t>)
    return output_ports<out_t>();
  else
    return {};
}
}  // namespace detail

/// Node i's outputs (declaration order index): each one's key and ML Metadata type; none when its output is
/// not an artifact.
template <class P>
std::vector<std::pair<std::string, std::string>> node_outputs(std::size_t i) {
  using fn = std::vector<std::pair<std::string, std::string>> (*)();
  static constexpr auto table = []<std::size_t... Is>(std::index_sequence<Is...>) {
    return std::array<fn, sizeof...(Is)>{&detail::outputs_of<Is, P>...};
  }(std::make_index_sequence<P::size>{});
  return table[i]();
}

/// Runs one node by its runtime name, as an orchestrator does: each input loaded from the artifact directory
/// given for its port, each output put at the directory given for its key (or, with a recording observer in
/// the options, where the store keeps artifacts). With an observer the node is recorded and served from the
/// cache exactly as in run(): the same cache key, whichever process or machine runs it.
template <node_type... Nodes>
node_run_result run_node(pipeline_t<Nodes...>& p, std::string_view node, const node_paths& paths,
                         const run_options& options = {}) {
  using P = pipeline_t<Nodes...>;
  auto index = P::graph::value.find(node);
  if (index == detail::npos) {
    std::vector<std::string> known;
    for (auto n : P::graph::value.names) known.emplace_back(n);
    return node_run_result{node_state::failed,
                           "the pipeline has no node '" + std::string(node) + "' (its nodes: " + detail::join_names(known) + ")",
                           {}, {}, true};
  }
  return detail::run_one(p, index, paths, options);
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/run.ipp>
#endif
