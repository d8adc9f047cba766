// mlpipe/orchestrate/main.hpp: the engines as an extension of mlpipe::main: `--run-node` recorded under `--run-id`,
// `--export kfp|cwl|airflow|slurm`, `--submit slurm`, `--resources`, `--finalize`, `--watch`. `orchestrate::main`
// is mlpipe::metadata::main with it.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/main.hpp>
#include <mlpipe/metadata/main.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/orchestrate/airflow.hpp>
#include <mlpipe/orchestrate/cwl.hpp>
#include <mlpipe/orchestrate/dag.hpp>
#include <mlpipe/orchestrate/finalize.hpp>
#include <mlpipe/orchestrate/kfp.hpp>
#include <mlpipe/orchestrate/resources.hpp>
#include <mlpipe/orchestrate/slurm.hpp>
#include <mlpipe/orchestrate/watch.hpp>

namespace CLI {
class App;
}  // namespace CLI

namespace mlpipe::orchestrate {

namespace detail {

MLPIPE_DECL void check_run_id(const std::string& id);

/// The program's own arguments that shape the pipeline (what every engine step repeats, e.g. `--data X`),
/// without those the export decides itself; --set overrides apart (engines carry them as parameters).
MLPIPE_DECL void engine_args(int argc, const char* const* argv, std::vector<std::string>& args,
                             std::vector<std::string>& sets);

/// The store URL an exported file may carry as its default: a SQLite file made absolute; nothing for a URL
/// with a password (the environment variable must give it).
MLPIPE_DECL std::string store_default(const std::string& url);

MLPIPE_DECL std::string self_path(const char* argv0);

MLPIPE_DECL std::string names_of(const std::vector<std::string>& v);
}  // namespace detail

/// The orchestration flags on mlpipe::main (after the store extension, whose store and recorder it uses).
class extension : public main_extension {
 public:
  extension(metadata::store_extension& store, int argc, const char* const* argv)
      : store_(store), argc_(argc), argv_(argv) {}

  MLPIPE_DECL void add_options(CLI::App& app) override;

  /// --export or --submit was given (known once the command line is parsed).
  bool exporting() const noexcept { return !export_kind_.empty() || !submit_.empty(); }

  MLPIPE_DECL void configure(main_context& m) override;
  MLPIPE_DECL std::optional<int> mode(main_context& m) override;
  MLPIPE_DECL void before_run(main_context& m) override;

 private:
  MLPIPE_DECL int export_command(main_context& m);
  MLPIPE_DECL int finalize_command(main_context& m);
  /// --run-node with a store: joins run --run-id and fills each input not given with --input from what its
  /// producer recorded in that run; the core then runs the node with the recorder as its observer.
  MLPIPE_DECL void prepare_node(main_context& m);
  MLPIPE_DECL int watch_command(main_context& m);

  metadata::store_extension& store_;
  int argc_;
  const char* const* argv_;
  std::string run_id_, export_kind_, export_file_, submit_, image_, schedule_;
  std::vector<std::string> resources_;
  bool finalize_ = false, watch_ = false;
  std::size_t max_runs_ = 0;
  double poll_ = 1.0;
  std::optional<metadata::recorder> recorder_;
  std::optional<stopping_observer> stopper_;
};

/// The store extension, except that writing an engine's file opens no store (the file names it by an
/// environment variable; the machine that writes it may not reach the store at all).
class store_for_engines final : public metadata::store_extension {
 public:
  MLPIPE_DECL void configure(main_context& m) override;
  std::function<bool()> exporting_now;
};

namespace detail {
/// What orchestrate::run_main adds to mlpipe::main: the store's and the engines' extensions, first among
/// `options.extensions` (in that order), for the lifetime of one call. Not copyable (they refer to each other).
struct engine_extensions {
  store_for_engines store;
  extension engines;
  MLPIPE_DECL engine_extensions(int argc, const char* const* argv, main_options& options);
  MLPIPE_DECL ~engine_extensions();
  engine_extensions(const engine_extensions&) = delete;
  engine_extensions& operator=(const engine_extensions&) = delete;
};
}  // namespace detail

/// mlpipe::metadata::run_main with the orchestration extension after the store's.
template <node_type... Nodes>
main_result<pipeline_t<Nodes...>> run_main(pipeline_t<Nodes...>& p, int argc, const char* const* argv,
                                            main_options options = {}) {
  detail::engine_extensions extensions(argc, argv, options);
  return mlpipe::run_main(p, argc, argv, std::move(options));
}

/// A pipeline program's command line with a metadata store and the engines: the exit code (0 done, 1 a node
/// failed or, for --finalize, the run failed, 2 a usage error).
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, main_options options = {}) {
  return orchestrate::run_main(p, argc, argv, std::move(options)).exit_code;
}

}  // namespace mlpipe::orchestrate

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/orchestrate/impl/main.ipp>
#endif
