// tools/commands/deploy.hpp: `mlpipe predict BUNDLE FILE.csv` (predictions for a CSV through a pushed bundle) and
// `mlpipe serve --model-base DIR --name NAME` (the TensorFlow Serving REST API, on 127.0.0.1 unless --host, hot-reloading).
#pragma once

#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pthread.h>

#include <mlpipe/data/csv.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#if __has_include(<httplib.h>)
#include <mlpipe/deploy/server.hpp>
#define MLPIPE_TOOLS_HAVE_SERVE 1
#endif

namespace mlpipe::tools {

namespace detail {

struct predict_command_options {
  std::string bundle, file, out;
};

/// A bundle directory, or a serving base directory (its newest version).
inline std::filesystem::path resolve_bundle(const std::filesystem::path& p) {
  if (std::filesystem::exists(p / "manifest.json")) return p;
  auto v = list_versions(p);
  if (v.empty()) throw bundle_error(p.string() + ": neither a model bundle (no manifest.json) nor a directory of versions");
  return p / std::to_string(v.back());
}

inline int run_predict_command(const predict_command_options& o) {
  try {
    predictor p(resolve_bundle(o.bundle));
    csv_options copt;
    for (const auto& in : p.manifest().inputs) copt.column_types[in.name] = in.kind;  // read as at training
    table t = read_csv(o.file, copt);
    auto pred = p.predict(t);
    std::vector<double> proba;
    if (p.is_classifier()) proba = p.predict_proba(t);
    std::FILE* f = o.out.empty() ? stdout : std::fopen(o.out.c_str(), "w");
    if (!f) throw std::runtime_error("cannot write " + o.out);
    const std::size_t K = p.num_classes();
    auto quote = [](const std::string& s) {
      if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
      std::string q = "\"";
      for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      return q + "\"";
    };
    std::fprintf(f, "%s", quote(p.manifest().label.empty() ? "prediction" : p.manifest().label).c_str());
    for (std::size_t k = 0; k < K; ++k) std::fprintf(f, ",%s", quote("proba_" + p.manifest().classes[k]).c_str());
    std::fprintf(f, "\n");
    for (std::size_t r = 0; r < t.rows(); ++r) {
      if (p.is_classifier()) std::fprintf(f, "%s", quote(p.class_name(pred[r])).c_str());
      else std::fprintf(f, "%.17g", pred[r]);
      for (std::size_t k = 0; k < K; ++k) std::fprintf(f, ",%.17g", proba[r * K + k]);
      std::fprintf(f, "\n");
    }
    if (f != stdout && std::fclose(f) != 0) throw std::runtime_error("cannot write " + o.out);
    if (!o.out.empty()) std::fprintf(stderr, "wrote %zu predictions to %s\n", t.rows(), o.out.c_str());
    return 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlpipe predict: %s\n", e.what());
    return 1;
  }
}

#ifdef MLPIPE_TOOLS_HAVE_SERVE
struct serve_command_options {
  std::string base, name, host = "127.0.0.1", access_log;
  int port = 8501;
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency()), keep = 1, max_body = std::size_t{4} << 20, poll_ms = 500, keep_alive = 1000;
  std::size_t read_timeout_ms = 10'000, idle_timeout_ms = 60'000;
};

inline int run_serve_command(const serve_command_options& o) {
  // SIGTERM/SIGINT are blocked in every thread and taken by one waiting thread, which stops the server cleanly
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::mutex log_m;
  std::FILE* access = nullptr;
  if (o.access_log == "-") access = stderr;
  else if (!o.access_log.empty() && !(access = std::fopen(o.access_log.c_str(), "a"))) {
    std::fprintf(stderr, "mlpipe serve: cannot open %s\n", o.access_log.c_str());
    return 1;
  }
  server_options so;
  so.model_base = o.base;
  so.name = o.name;
  so.host = o.host;
  so.port = o.port;
  so.workers = o.workers;
  so.keep_versions = std::max<std::size_t>(1, o.keep);
  so.keep_alive_requests = o.keep_alive;
  so.max_body_bytes = o.max_body;
  so.poll_interval = std::chrono::milliseconds(o.poll_ms);
  so.read_timeout = std::chrono::milliseconds(o.read_timeout_ms);
  so.idle_timeout = std::chrono::milliseconds(o.idle_timeout_ms);
  so.event_log = [&](const std::string& m) {
    std::lock_guard lk(log_m);
    std::fprintf(stderr, "mlpipe serve: %s\n", m.c_str());
  };
  // an access log file is buffered (64 KiB) and flushed once a second and at exit, not once per request
  std::atomic<bool> flushing{access != nullptr && access != stderr};
  if (flushing) std::setvbuf(access, nullptr, _IOFBF, 1 << 16);
  if (access)
    so.access_log = [&](const std::string& line) {
      std::lock_guard lk(log_m);
      std::fwrite(line.data(), 1, line.size(), access);
      std::fputc('\n', access);
    };
  std::thread flusher;
  if (flushing)
    flusher = std::thread([&] {
      while (flushing) {
        for (int i = 0; i < 10 && flushing; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::lock_guard lk(log_m);
        std::fflush(access);
      }
    });
  struct close_log {  // on every way out: stop the flusher, then flush and close the file
    std::atomic<bool>& on;
    std::thread& t;
    std::FILE* f;
    ~close_log() {
      on = false;
      if (t.joinable()) t.join();
      if (f && f != stderr) std::fclose(f);
    }
  } close_log_at_exit{flushing, flusher, access};
  try {
    model_server server(so);
    server.start();
    const std::string shown_host = o.host.find(':') != std::string::npos ? "[" + o.host + "]" : o.host;  // IPv6
    std::fprintf(stderr, "mlpipe serve: model '%s' from %s on http://%s:%d (versions loaded: %zu)\n", o.name.c_str(),
                 o.base.c_str(), shown_host.c_str(), server.port(), server.loaded_versions().size());
    std::thread signals([&] {
      int sig = 0;
      sigwait(&set, &sig);
      std::fprintf(stderr, "mlpipe serve: signal %d, finishing the requests in flight\n", sig);
      server.stop();
    });
    server.wait();  // only the signal thread stops the server
    signals.join();
    std::fprintf(stderr, "mlpipe serve: stopped\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "mlpipe serve: %s\n", e.what());
    return 1;
  }
  return 0;
}
#endif

}  // namespace detail

inline void add_deploy_commands(CLI::App& app, int& exit_code) {
  auto po = std::make_shared<detail::predict_command_options>();
  auto* pc = app.add_subcommand("predict", "Predictions for a CSV file through a pushed model bundle");
  pc->add_option("BUNDLE", po->bundle, "A bundle directory (<base>/<version>) or a base directory (newest version)")
      ->required()
      ->check(CLI::ExistingDirectory);
  pc->add_option("FILE", po->file, "CSV file with the model's feature columns")->required()->check(CLI::ExistingFile);
  pc->add_option("-o,--output", po->out, "Write the predictions CSV here (default: standard output)");
  pc->callback([po, &exit_code] { exit_code = detail::run_predict_command(*po); });
#ifdef MLPIPE_TOOLS_HAVE_SERVE
  auto so = std::make_shared<detail::serve_command_options>();
  auto* sc = app.add_subcommand("serve", "Serve the versions under a base directory (TensorFlow Serving REST API)");
  sc->add_option("--model-base", so->base, "Directory of versions <base>/<N>/ written by push")->required();
  sc->add_option("--name", so->name, "The model's name in /v1/models/NAME")->required();
  sc->add_option("--host", so->host, "Address to listen on (0.0.0.0 or :: for every interface, behind a load balancer)")->capture_default_str();
  sc->add_option("--port", so->port, "TCP port (0: any free port)")->capture_default_str()->check(CLI::Range(0, 65535));
  sc->add_option("--keep-alive-requests", so->keep_alive, "Requests served on one keep-alive connection before it closes")->capture_default_str()->check(CLI::Range(1, 1000000));
  sc->add_option("--workers", so->workers, "Threads that read requests, predict and answer (an idle connection holds none; default: one per core)")->capture_default_str()->check(CLI::Range(1, 1024));
  sc->add_option("--keep-versions", so->keep, "Newest versions kept loaded (pinnable)")->capture_default_str();
  sc->add_option("--max-body", so->max_body, "Largest request body in bytes (larger: 413)")->capture_default_str();
  sc->add_option("--poll-ms", so->poll_ms, "How often the base directory is scanned")->capture_default_str();
  sc->add_option("--read-timeout-ms", so->read_timeout_ms, "Deadline for reading one request's headers and body (then the connection closes)")->capture_default_str()->check(CLI::Range(1, 3'600'000));
  sc->add_option("--idle-timeout-ms", so->idle_timeout_ms, "An idle keep-alive connection is closed after this")->capture_default_str()->check(CLI::Range(1, 86'400'000));
  sc->add_option("--access-log", so->access_log, "Write one JSON line per request to FILE ('-': standard error)");
  sc->callback([so, &exit_code] { exit_code = detail::run_serve_command(*so); });
#endif
}

}  // namespace mlpipe::tools
