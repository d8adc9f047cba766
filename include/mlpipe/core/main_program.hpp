// mlpipe/core/main_program.hpp: a pipeline program's command line as non-template code: the pipeline seen through
// pipeline_handle, and main_extension, through which other layers (a metadata store, orchestrators) add theirs.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/run_options.hpp>
#include <mlpipe/core/run_report.hpp>

namespace CLI {
class App;
}  // namespace CLI

namespace mlpipe {

/// A bad option or value on the command line: the program prints it and exits 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

/// A pipeline as the command line sees it, without its type: its shape, and what can be done with it.
/// `mlpipe::main` makes one from a pipeline_t; an extension reads it (e.g. to export the DAG to an engine).
struct pipeline_handle {
  /// An input port: what `--input PORT=DIR` names, the producer's output it reads, its ML Metadata type.
  struct port {
    std::string name, producer, producer_output, type;
    bool optional = false;
  };
  /// An output: its key (what `--output KEY=DIR` names) and ML Metadata type.
  struct output {
    std::string key, type;
  };
  struct node {
    std::string name, stage;
    std::vector<std::string> inputs;  // the producers' names, in input order
    std::vector<port> ports = {};     // the input ports, in input order
    std::vector<output> outputs = {}; // none when its output is not an artifact
    int version = 0;                  // the stage's version
  };
  std::string name;
  std::vector<node> nodes;  // in run order
  std::function<std::string()> describe, dot, mermaid;      // --list, --dot, --mermaid
  std::function<void(std::string_view assignment)> set_parameter;  // "NODE.PARAM=VALUE"; throws parameter_error
  std::function<std::string(std::string_view node)> parameters;    // the node's parameters as JSON text
  /// Runs the whole pipeline; `main` keeps the typed result (run_main gives it to the caller).
  std::function<run_report(const run_options&)> run;
  std::function<node_run_result(std::string_view node, const node_paths&, const run_options&)> run_node;
};

struct main_context;

/// What an extension of `mlpipe::main` may do, each step optional. The program calls, in this order:
///   add_options (before parsing) -> configure -> mode (the first extension returning an exit code handles the
///   invocation) -> for each run: before_run -> the run -> after_run -> the report printed (add_to_summary for --json).
/// An extension throws usage_error for a bad option (exit 2); another exception in configure also exits 2,
/// with its message.
class main_extension {
 public:
  virtual ~main_extension() = default;
  /// Adds its options (CLI11's `app.add_option`, `add_flag`); include <CLI/CLI.hpp> in the extension.
  virtual void add_options(CLI::App& app) { (void)app; }
  /// After parsing: checks its options, opens what it needs, and sets what the run uses in `m.options`
  /// (observer, run_id, log, threads).
  virtual void configure(main_context& m) { (void)m; }
  /// A mode of its own (e.g. export the DAG, watch for new data): returns the exit code when it handled the
  /// invocation (it may call m.run() any number of times), nullopt to let the program go on.
  virtual std::optional<int> mode(main_context& m) {
    (void)m;
    return std::nullopt;
  }
  /// Before each run (e.g. a fresh recorder as the observer).
  virtual void before_run(main_context& m) { (void)m; }
  /// After each run, before its report is printed: may add notes to the report.
  virtual void after_run(main_context& m, run_report& report) { (void)m, (void)report; }
  /// With --json: may add fields to the summary document.
  virtual void add_to_summary(const run_report& report, nlohmann::json& summary) { (void)report, (void)summary; }
};

/// A command-line option that sets one parameter: {"--data", "examples.pattern", "CSV file or {SPAN} pattern"}
/// makes `--data X` mean `--set examples.pattern=X` (given --set options win).
struct parameter_option {
  std::string flag, parameter, help;
};

/// How `mlpipe::main` behaves beyond its defaults.
struct main_options {
  run_options run = {};                           // the run's defaults (threads, log, ...)
  std::vector<main_extension*> extensions = {};   // in order; not owned
  std::vector<parameter_option> parameter_options = {};
  std::string description = {};                   // the --help text (default: "Runs the pipeline 'NAME'.")
};

/// What extensions see of the program while it runs.
struct main_context {
  const pipeline_handle& pipeline;
  run_options& options;       // the run's options: extensions set observer, run_id, log here
  bool json = false;          // --json: print the summary document instead of the text report
  bool quiet = false;         // -q: print nothing but errors
  std::string run_node = {};  // --run-node NAME: the one node to run (an extension may fill node_paths' gaps)
  node_paths paths = {};      // its --input PORT=DIR and --output KEY=DIR
  /// Runs the pipeline once as the default mode does (before_run, the run, after_run, the report printed) and
  /// returns the exit code: 0 when every node succeeded or came from the cache, 1 otherwise.
  std::function<int()> run;
  std::optional<run_report> last;  // the report of the last run
};

/// The program behind `mlpipe::main`. Exit codes: 0 every node succeeded, 1 a node failed, 2 a usage error.
MLPIPE_DECL int run_main_program(const pipeline_handle& p, int argc, const char* const* argv, main_options& o);

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/core/impl/main_program.ipp>
#endif
