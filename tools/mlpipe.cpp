// The `mlpipe` command: the life cycle on any CSV, the TFDV-like steps alone, the metadata browser and the server.
// Each area registers its subcommands from tools/commands/<area>.hpp; this file only assembles them.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#if MLPIPE_HAS_MPI
#include <mlpipe/parallel/communicator.hpp>
#endif

#if __has_include("commands/data.hpp")
#include "commands/data.hpp"
#define MLPIPE_HAS_DATA_COMMANDS 1
#endif
#if __has_include("commands/model.hpp")
#include "commands/model.hpp"
#define MLPIPE_HAS_MODEL_COMMANDS 1
#endif
#if __has_include("commands/evaluate.hpp")
#include "commands/evaluate.hpp"
#define MLPIPE_HAS_EVALUATE_COMMANDS 1
#endif
#if __has_include("commands/metadata.hpp")
#include "commands/metadata.hpp"
#define MLPIPE_HAS_METADATA_COMMANDS 1
#endif
#if __has_include("commands/run.hpp")
#include "commands/run.hpp"
#define MLPIPE_HAS_RUN_COMMANDS 1
#endif
#if __has_include(<httplib.h>) && __has_include(<sqlite3.h>)  // the UI rides on mlpipe::serve's HTTP layer
#include "commands/ui.hpp"
#define MLPIPE_HAS_UI_COMMANDS 1
#endif
#if __has_include("commands/deploy.hpp")
#include "commands/deploy.hpp"
#define MLPIPE_HAS_DEPLOY_COMMANDS 1
#endif

int main(int argc, char** argv) {
#if MLPIPE_HAS_MPI
  // Under mpirun every rank runs this program; stats and train then each read their own shard (rank 0 prints).
  mlpipe::parallel::mpi_session mpi(&argc, &argv);
#endif
  CLI::App app{"mlpipe: machine-learning pipelines, validated, recorded and deployed"};
  app.require_subcommand(1);
  // Each add_*_commands registers subcommands; a subcommand's callback sets exit_code.
  int exit_code = 0;
#ifdef MLPIPE_HAS_DATA_COMMANDS
  mlpipe::tools::add_data_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_MODEL_COMMANDS
  mlpipe::tools::add_model_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_EVALUATE_COMMANDS
  mlpipe::tools::add_evaluate_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_METADATA_COMMANDS
  mlpipe::tools::add_metadata_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_RUN_COMMANDS
  mlpipe::tools::add_run_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_DEPLOY_COMMANDS
  mlpipe::tools::add_deploy_commands(app, exit_code);
#endif
#ifdef MLPIPE_HAS_UI_COMMANDS
  mlpipe::tools::add_ui_commands(app, exit_code);
#endif
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int rc = app.exit(e);
    return rc == 0 ? 0 : 2;  // usage errors exit 2
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlpipe: error: %s\n", e.what());
    return 2;
  }
  return exit_code;
}
