// mlpipe/metadata/main.hpp: `return mlpipe::metadata::main(p, argc, argv);`: mlpipe::main with a metadata store:
// --store URL, --root DIR, --no-cache; every run recorded in the store and unchanged nodes served from its cache.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <mlpipe/core/main.hpp>
#include <mlpipe/core/main_program.hpp>
#include <mlpipe/metadata/open.hpp>
#include <mlpipe/metadata/recorder.hpp>
#include <mlpipe/metadata/store.hpp>

namespace mlpipe::metadata {

/// The metadata store as an extension of mlpipe::main (docs/concepts.md): adds --store URL (sqlite:PATH, created
/// when missing, or mariadb://user:password@host:port/database), --root DIR (artifacts go to
/// <root>/<pipeline>/<node>/<execution id>/) and --no-cache; opens the store, and makes a recorder the observer
/// of each run. Other extensions (orchestration) find the store and the recorder here.
class store_extension : public main_extension {
 public:
  explicit store_extension(std::string default_url = default_store_url(), std::string default_root = "mlpipe-artifacts")
      : url_(std::move(default_url)), root_(std::move(default_root)) {}

  MLPIPE_DECL void add_options(CLI::App& app) override;
  MLPIPE_DECL void configure(main_context& m) override;
  MLPIPE_DECL void before_run(main_context& m) override;
  MLPIPE_DECL void after_run(main_context& m, run_report& report) override;
  MLPIPE_DECL void add_to_summary(const run_report& report, nlohmann::json& summary) override;

  const std::string& url() const noexcept { return url_; }
  const std::filesystem::path& root() const noexcept { return root_; }
  bool cache() const noexcept { return !no_cache_; }
  /// The open store (after configure), and the recorder of the current or last run (after before_run).
  metadata::store* store() const noexcept { return store_.get(); }
  metadata::recorder* recorder() noexcept { return recorder_ ? &*recorder_ : nullptr; }

 private:
  std::string url_;
  std::filesystem::path root_;
  bool no_cache_ = false;
  std::unique_ptr<metadata::store> store_;
  std::optional<metadata::recorder> recorder_;
};

/// mlpipe::run_main with the store extension first among `options.extensions`.
template <node_type... Nodes>
main_result<pipeline_t<Nodes...>> run_main(pipeline_t<Nodes...>& p, int argc, const char* const* argv,
                                            main_options options = {}) {
  store_extension store;
  options.extensions.insert(options.extensions.begin(), &store);
  return mlpipe::run_main(p, argc, argv, std::move(options));
}

/// mlpipe::main with a metadata store: the exit code (0 every node succeeded or came from the cache, 1 a node
/// failed, 2 a usage error, including a store that cannot be opened).
template <node_type... Nodes>
int main(pipeline_t<Nodes...>& p, int argc, const char* const* argv, main_options options = {}) {
  return metadata::run_main(p, argc, argv, std::move(options)).exit_code;
}

}  // namespace mlpipe::metadata

#include <mlpipe/metadata/impl/main.ipp>
