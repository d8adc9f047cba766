// mlpipe/metadata/impl/main.ipp: the body of the store extension of mlpipe::main (non-template code).
#pragma once

#include <filesystem>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <mlpipe/metadata/main.hpp>

namespace mlpipe::metadata {

MLPIPE_DECL void store_extension::add_options(CLI::App& app) {
  app.add_option("--store", url_, "Metadata store: sqlite:PATH or mariadb://user:password@host:port/database")
      ->capture_default_str();
  app.add_option("--root", root_, "Artifact root: <root>/<pipeline>/<node>/<execution id>/")->capture_default_str();
  app.add_flag("--no-cache", no_cache_, "Execute every node (still recorded)");
}

MLPIPE_DECL void store_extension::configure(main_context& m) {
  (void)m;
  try {
    auto u = parse_store_url(url_);
    if (u.kind == dialect::sqlite)
      if (auto parent = std::filesystem::path(u.path).parent_path(); !parent.empty())
        std::filesystem::create_directories(parent);
    store_ = open_store(url_);
  } catch (const std::exception& e) {
    throw usage_error("--store " + url_ + ": " + e.what());
  }
}

MLPIPE_DECL void store_extension::before_run(main_context& m) {
  recorder_.reset();
  recorder_.emplace(*store_, root_);
  recorder_->set_cache(!no_cache_);
  m.options.observer = &*recorder_;
}

MLPIPE_DECL void store_extension::after_run(main_context& m, run_report& report) {
  (void)m;
  report.notes.emplace_back("metadata store", url_);
  report.notes.emplace_back("artifacts", (root_ / report.pipeline).string() + "/<node>/<execution id>/");
  report.notes.emplace_back("look at it", "mlpipe show " + report.run_id + " --store " + url_);
}

MLPIPE_DECL void store_extension::add_to_summary(const run_report& report, nlohmann::json& summary) {
  (void)report;
  summary["store"] = url_;
  summary["root"] = root_.string();
}

}  // namespace mlpipe::metadata
