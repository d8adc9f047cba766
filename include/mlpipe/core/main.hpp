// mlpipe/core/main.hpp: `return mlpipe::main(p, argc, argv);` gives a pipeline program its command line: run it
// (per node its state, duration and figures), list or draw it, run one node, --set node.param=value, extensions.
#pragma once

#include <algorithm>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/draw.hpp>
#include <mlpipe/core/main_program.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/pipeline.hpp>
#include <mlpipe/core/run.hpp>
#if MLPIPE_HAS_MPI
#include <mlpipe/parallel/communicator.hpp>
#endif

namespace mlpipe {

namespace detail {
/// Where a `node.param=value` override goes (the node's declaration index, the parameter, the value text, and
/// the prefix of its error messages). Throws parameter_error naming what is wrong with the text or the node.
struct override_target {
  std::size_t node = 0;
  std::string_view parameter, value;
  std::string where;
};
MLPIPE_DECL override_target find_override_target(const graph_view& g, std::string_view assignment);
/// describe_nodes' text, given each node's parameters as JSON text (declaration order).
MLPIPE_DECL std::string describe_graph(const graph_view& g, const std::vector<std::string>& parameters);
/// Fills the handle's nodes (name, stage, version, outputs, inputs, wired ports), in topological order.
MLPIPE_DECL void describe_handle_nodes(pipeline_handle& h, const graph_view& g, const exec_tables& t);
}  // namespace detail

/// Applies one `node.param=value` override to the pipeline. Throws parameter_error naming what is wrong.
template <node_type... Nodes>
void apply_override(pipeline_t<Nodes...>& p, std::string_view assignment) {
  auto t = detail::find_override_target(p.view(), assignment);
  p.set_parameter(t.node, t.parameter, t.value, t.where);
}

/// One line per node, in run order: name, stage, inputs (PORT=PRODUCER, or PRODUCER when the port is named
/// after it; PORT=none for an unwired optional input), parameters as JSON.
template <node_type... Nodes>
std::string describe_nodes(const pipeline_t<Nodes...>& p) {
  std::vector<std::string> parameters(sizeof...(Nodes));
  for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i] = p.parameters_text(i);
  return detail::describe_graph(p.view(), parameters);
}

namespace detail {
/// A function pointer with two pointers to pass it: what pipeline_handle's std::functions hold. Its type does not
/// name the pipeline, so std::function's type information is one short name, shared by every program.
template <class F>
struct bound_call;
template <class R, class... A>
struct bound_call<R (*)(void*, void*, A...)> {
  R (*fn)(void*, void*, A...);
  void* first;
  void* second;
  R operator()(A... a) const { return fn(first, second, static_cast<A&&>(a)...); }
};
}  // namespace detail

/// What run_main gives back: the exit code, and the result of the pipeline's (last) run when it ran.
template <class P>
struct main_result {
  int exit_code = 0;
  std::optional<run_result<P>> run;
};

/// The pipeline seen without its type, for run_main_program; `last` receives each run's typed result.
template <node_type... Nodes>
pipeline_handle make_pipeline_handle(pipeline_t<Nodes...>& p, std::optional<run_result<pipeline_t<Nodes...>>>& last) {
  using P = pipeline_t<Nodes...>;
  static constexpr detail::exec_tables t = detail::pipeline_ops<P>::tables();
  pipeline_handle h;
  h.name = p.name();
  detail::describe_handle_nodes(h, P::view(), t);
  // Each callback is a plain function with the pipeline (and the last result) as pointers: a lambda capturing
  // them would be a type named after the whole pipeline, whose name std::function keeps (kilobytes per program).
  using L = std::optional<run_result<P>>;
  auto bind = [&]<class F>(F fn) { return detail::bound_call<F>{fn, &p, &last}; };
  h.describe = bind(+[](void* q, void*) { return describe_nodes(*static_cast<P*>(q)); });
  h.dot = bind(+[](void* q, void*) { return to_dot(*static_cast<P*>(q)); });
  h.mermaid = bind(+[](void* q, void*) { return to_mermaid(*static_cast<P*>(q)); });
  h.set_parameter = bind(+[](void* q, void*, std::string_view a) { apply_override(*static_cast<P*>(q), a); });
  h.parameters = bind(+[](void* q, void*, std::string_view node) {
    auto& pl = *static_cast<P*>(q);
    auto i = pl.find(node);
    return i ? pl.parameters_text(*i) : std::string("null");
  });
  h.run = bind(+[](void* q, void* l, const run_options& o) {
    auto& pl = *static_cast<P*>(q);
    auto& lr = *static_cast<L*>(l);
    lr.reset();
    lr.emplace(run(pl, o));
    return make_run_report(pl, *lr);
  });
  h.run_node = bind(+[](void* q, void*, std::string_view node, const node_paths& paths, const run_options& o) {
    return run_node(*static_cast<P*>(q), node, paths, o);
  });
  return h;
}

/// The pipeline program's command line, and the result of its run: `auto m = mlpipe::run_main(p, argc, argv);`
/// then `m.exit_code`, and `m.run->get<"node">()` when the pipeline ran (`m.run` is empty after --list, --dot,
/// --help, a usage error or a mode that did not run it). Options, extensions: see main_options and
/// main_extension (docs/concepts.md).
template <node_type... Nodes>
main_result<pipeline_t<Nodes...>> run_main(pipeline_t<Nodes...>& p, int argc, const char* const* argv,
                                            main_options options = {}) {
  main_result<pipeline_t<Nodes...>> r;
  auto handle = make_pipeline_handle(p, r.run);
#if MLPIPE_HAS_MPI
  // Under mpirun (the program links mlpipe::mpi): a data-parallel node run with --run-node shares its rows
  // among the ranks; rank 0 alone saves (and so prints) its outputs. Outside mpirun nothing changes.
  parallel::mpi_session mpi(nullptr, nullptr);
  auto world = parallel::world();
  if (world) options.run.collective = &*world;
#endif
  r.exit_code = run_main_program(handle, argc, argv, options);
  return r;
}

/// The pipeline program's command line: runs the pipeline and prints per node its state, duration and recorded
/// figures (--json: a summary document); --list, --dot, --mermaid, --set NODE.PARAM=VALUE, --threads N,
/// --run-node NAME, and whatever the extensions in `options` add. Returns the process exit code: 0 when every
/// node succeeded, 1 when a node failed, 2 on a usage error (bad option, unknown node or parameter, bad value).
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, main_options options = {}) {
  return mlpipe::run_main(p, argc, argv, std::move(options)).exit_code;
}

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/main.ipp>
#endif
