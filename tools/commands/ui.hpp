// tools/commands/ui.hpp: `mlpipe ui` (the read-only web UI over a metadata store) and `mlpipe report RUN -o FILE`
// (one run as a self-contained HTML file). Pages come from mlpipe/ui/app.hpp, served on the same event-driven HTTP
// layer as the model server (mlpipe/deploy/http.hpp); the store is opened read-only.
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <thread>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <mutex>
#include <string>

#include <mlpipe/deploy/http.hpp>

#include <mlpipe/metadata/open.hpp>
#include <mlpipe/ui/app.hpp>

namespace mlpipe::tools {

namespace detail_ui {

inline std::atomic<bool> stop_requested{false};
inline void on_signal(int) { stop_requested = true; }

/// The store URL as it may be shown: a password replaced by ***.
inline std::string shown_url(const std::string& url) {
  if (!url.starts_with("mariadb://") && !url.starts_with("mysql://")) return url;
  auto scheme = url.find("://") + 3;
  auto at = url.rfind('@');
  if (at == std::string::npos || at < scheme) return url;
  auto colon = url.find(':', scheme);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + "***" + url.substr(at);
}

inline bool loopback(const std::string& host) {
  return host == "127.0.0.1" || host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace detail_ui

inline void add_ui_commands(CLI::App& app, int& exit_code) {
  struct options {
    std::string store = metadata::default_store_url();
    std::string host = "127.0.0.1";
    int port = 8080;
    std::string run = "latest", output = "report.html";
  };
  auto o = std::make_shared<options>();

  auto* ui = app.add_subcommand("ui", "Serve a read-only web UI over a metadata store: runs, DAGs, statistics, "
                                      "evaluations, history, compare, lineage");
  ui->add_option("--store", o->store, "Metadata store URL (sqlite:PATH or mariadb://USER:PW@HOST:PORT/DB)")->capture_default_str();
  ui->add_option("--host", o->host, "Address to bind (the UI has no authentication: keep it on loopback)")->capture_default_str();
  ui->add_option("--port", o->port, "Port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  ui->callback([o, &exit_code] {
    std::unique_ptr<metadata::store> store;
    try {
      store = metadata::open_store_read_only(o->store);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlpipe ui: cannot open the metadata store %s: %s\n", detail_ui::shown_url(o->store).c_str(), e.what());
      exit_code = 2;
      return;
    }
    if (!detail_ui::loopback(o->host))
      std::fprintf(stderr, "mlpipe ui: WARNING: listening on %s; the UI has no authentication, anyone who can reach "
                           "this address can read the store\n", o->host.c_str());
    std::mutex store_mutex;  // one store connection, one page at a time: pages are small, the store is not shared
    http_server_options opt;
    opt.host = o->host;
    opt.port = o->port;
    opt.workers = 2;
    opt.max_body_bytes = 1 << 16;  // the UI answers GETs only
    http_server svr(opt);
    svr.route("GET", "/*", [&](const http_request& req, http_response& res) {
      auto q = ui::parse_query(req.query);
      ui::response r;
      {
        std::lock_guard lock(store_mutex);
        r = ui::handle(*store, req.path, q);
      }
      res.status = r.status;
      res.content_type = r.content_type;
      res.body = std::move(r.body);
    });
    try {
      svr.start();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlpipe ui: %s\n", e.what());
      exit_code = 2;
      return;
    }
    std::signal(SIGTERM, detail_ui::on_signal);
    std::signal(SIGINT, detail_ui::on_signal);
    std::fprintf(stderr, "mlpipe ui: %s on http://%s:%d/\n", detail_ui::shown_url(o->store).c_str(), o->host.c_str(),
                 svr.port());
    while (!detail_ui::stop_requested) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    svr.stop();
    std::fprintf(stderr, "mlpipe ui: stopped\n");
  });

  auto* rep = app.add_subcommand("report", "Write one run as a self-contained HTML file (no network needed to open it)");
  rep->add_option("run", o->run, "The run: its name, id, a unique prefix, or latest")->capture_default_str();
  rep->add_option("--store", o->store, "Metadata store URL")->capture_default_str();
  rep->add_option("-o,--output", o->output, "The HTML file to write")->capture_default_str();
  rep->callback([o, &exit_code] {
    try {
      auto store = metadata::open_store_read_only(o->store);
      auto html = ui::report(*store, o->run);
      auto tmp = o->output + ".tmp";
      {
        std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
        out << html;
        out.close();
        if (!out) throw std::runtime_error("cannot write " + tmp);
      }
      std::filesystem::rename(tmp, o->output);
      std::printf("%s\n", o->output.c_str());
    } catch (const ui::not_found& e) {
      std::fprintf(stderr, "mlpipe report: %s\n", e.what());
      exit_code = 2;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "mlpipe report: %s\n", e.what());
      exit_code = 1;
    }
  });
}

}  // namespace mlpipe::tools
