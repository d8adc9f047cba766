// mlpipe/deploy/server.hpp: `model_server`, TensorFlow Serving's REST API over the versions under a base
// directory (on http_server, link mlpipe::serve); watches the directory and swaps new versions in without a gap.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/deploy/http.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>

namespace mlpipe {

/// How `model_server` runs.
struct server_options {
  std::filesystem::path model_base;  // <model_base>/<version>/ bundles, as push writes them
  std::string name = "model";        // the model's name in the URLs
  std::string host = "127.0.0.1";    // loopback only by default; "0.0.0.0" behind a load balancer
  int port = 8501;                   // 0: any free port (see model_server::port())
  // threads that read requests, predict and answer; idle connections hold none, so one per core is enough
  std::size_t workers = std::max(1u, std::thread::hardware_concurrency());
  std::size_t max_body_bytes = std::size_t{4} << 20;  // larger bodies get 413
  std::size_t keep_versions = 1;     // newest versions kept loaded (TF Serving's "latest" policy: 1)
  std::size_t keep_alive_requests = 1000;              // requests per keep-alive connection before it closes
  std::chrono::milliseconds poll_interval{500};        // how often the base directory is scanned
  std::chrono::milliseconds read_timeout{10'000};      // deadline for a request's headers and body
  std::chrono::milliseconds idle_timeout{60'000};      // an idle keep-alive connection is closed after this
  std::function<void(const std::string&)> access_log;  // one JSON line per request (none when empty)
  std::function<void(const std::string&)> event_log;   // loads, unloads, load failures
};

/// The model server. start() loads what is there and starts the watcher and the HTTP listener; stop() (any
/// thread, idempotent) ends both. Requests hold a reference to the version they started on, so a version
/// unloaded meanwhile finishes the requests it has.
class model_server {
 public:
  explicit model_server(server_options o) : opt_(std::move(o)) {}
  ~model_server() { stop(); }
  model_server(const model_server&) = delete;
  model_server& operator=(const model_server&) = delete;

  /// Loads the current versions, binds the port (throws when it cannot) and serves on background threads.
  void start() {
    scan();
    http_server_options h;
    h.host = opt_.host;
    h.port = opt_.port;
    h.workers = std::max<std::size_t>(1, opt_.workers);
    h.max_body_bytes = opt_.max_body_bytes;
    h.keep_alive_requests = opt_.keep_alive_requests;
    h.read_timeout = opt_.read_timeout;
    h.idle_timeout = opt_.idle_timeout;
    h.access_log = opt_.access_log;
    http_ = std::make_unique<http_server>(std::move(h));
    setup_routes();
    http_->start();
    port_ = http_->port();
    watcher_ = std::thread([this] { watch(); });
  }

  /// Stops accepting, lets running requests finish, joins the threads.
  void stop() {
    {
      std::lock_guard lk(stop_m_);
      if (stopping_) return;
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (http_) http_->stop();
    if (watcher_.joinable()) watcher_.join();
  }

  /// Connections open now (idle keep-alive ones included; none of them holds a thread).
  std::size_t open_connections() const noexcept { return http_ ? http_->open_connections() : 0; }

  /// Blocks until stop() is called.
  void wait() {
    std::unique_lock lk(stop_m_);
    stop_cv_.wait(lk, [&] { return stopping_; });
  }

  int port() const noexcept { return port_; }

  /// Scans the base directory now: loads new versions (before unloading old ones), drops versions beyond
  /// keep_versions. The watcher calls it every poll_interval.
  void scan() {
    std::lock_guard scan_lock(scan_m_);
    auto versions = list_versions(opt_.model_base);
    auto cur = snapshot();
    auto next = std::make_shared<version_map>();
    bool changed = false;
    // newest first until keep_versions load; a version that fails to load is reported and skipped, so an
    // older good version keeps serving. Loading happens before the new map is published: no gap.
    for (auto it = versions.rbegin(); it != versions.rend() && next->loaded.size() < opt_.keep_versions; ++it) {
      const auto v = *it;
      if (auto l = cur->loaded.find(v); l != cur->loaded.end()) {
        next->loaded.emplace(v, l->second);
        continue;
      }
      if (auto f = cur->failed.find(v); f != cur->failed.end() && f->second.stamp == dir_stamp(v)) {
        next->failed.emplace(v, f->second);  // tried already: retried only when its manifest changes
        continue;
      }
      try {
        auto p = std::make_shared<const predictor>(opt_.model_base / std::to_string(v));
        next->loaded.emplace(v, std::move(p));
        event("loaded version " + std::to_string(v));
      } catch (const std::exception& e) {
        next->failed.emplace(v, failure{e.what(), dir_stamp(v)});
        event("cannot load version " + std::to_string(v) + ": " + e.what());
      }
      changed = true;
    }
    for (const auto& [v, p] : cur->loaded)
      if (!next->loaded.count(v)) {
        changed = true;
        event("unloading version " + std::to_string(v));
      }
    if (cur->failed.size() != next->failed.size()) changed = true;
    if (changed) {
      std::lock_guard lk(map_m_);
      map_ = std::move(next);
    }
  }

  /// The versions now serving, ascending.
  std::vector<std::int64_t> loaded_versions() const {
    std::vector<std::int64_t> v;
    for (const auto& [k, p] : snapshot()->loaded) v.push_back(k);
    return v;
  }

 private:
  struct failure {
    std::string message;
    std::filesystem::file_time_type stamp;
  };
  struct version_map {
    std::map<std::int64_t, std::shared_ptr<const predictor>> loaded;
    std::map<std::int64_t, failure> failed;
  };

  std::shared_ptr<const version_map> snapshot() const {
    std::lock_guard lk(map_m_);
    return map_;
  }

  std::filesystem::file_time_type dir_stamp(std::int64_t v) const {
    std::error_code ec;
    auto t = std::filesystem::last_write_time(opt_.model_base / std::to_string(v) / "manifest.json", ec);
    return ec ? std::filesystem::file_time_type{} : t;
  }

  void event(const std::string& what) const {
    if (opt_.event_log) opt_.event_log(what);
  }

  void watch() {
    std::unique_lock lk(stop_m_);
    while (!stopping_) {
      stop_cv_.wait_for(lk, opt_.poll_interval, [&] { return stopping_; });
      if (stopping_) break;
      lk.unlock();
      try {
        scan();
      } catch (const std::exception& e) {
        event(std::string("scan failed: ") + e.what());
      }
      lk.lock();
    }
  }

  static void reply(http_response& res, int status, const nlohmann::json& body) {
    res.status = status;
    res.content_type = "application/json";
    // replace, not throw: an error message may quote a client's invalid UTF-8
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }

  // The version in a route's second parameter (nullopt when the route has none); false after an error reply.
  static bool parse_version(const http_request& req, http_response& res, std::optional<std::int64_t>& version) {
    if (req.params.size() < 2) return true;
    try {
      std::size_t used = 0;
      version = std::stoll(req.params[1], &used);
      if (used != req.params[1].size() || *version < 0) throw std::invalid_argument("");
      return true;
    } catch (const std::exception&) {
      http_error(res, 400, "version '" + req.params[1] + "' is not a number");
      return false;
    }
  }

  // The predictor for a request: the pinned version or the newest loaded; nullptr after an error reply.
  std::shared_ptr<const predictor> pick(const http_request& req, http_response& res, std::int64_t& version) const {
    if (req.params[0] != opt_.name) {
      http_error(res, 404, "no model named '" + req.params[0] + "' (this server serves '" + opt_.name + "')");
      return nullptr;
    }
    std::optional<std::int64_t> pinned;
    if (!parse_version(req, res, pinned)) return nullptr;
    auto m = snapshot();
    if (pinned) {
      version = *pinned;
      auto it = m->loaded.find(version);
      if (it == m->loaded.end()) {
        http_error(res, 404, "version " + std::to_string(version) + " of model '" + opt_.name + "' is not loaded");
        return nullptr;
      }
      return it->second;
    }
    if (m->loaded.empty()) {
      http_error(res, 404, "model '" + opt_.name + "' has no version loaded (none pushed to " + opt_.model_base.string() + "?)");
      return nullptr;
    }
    version = m->loaded.rbegin()->first;
    return m->loaded.rbegin()->second;
  }

  void predict(const http_request& req, http_response& res) const {
    std::int64_t version = 0;
    auto p = pick(req, res, version);  // holds this version for the whole request
    if (!p) return;
    try {
      bool columnar = false;
      // parse_request + request_table: any nesting depth is a 400, never a stack overflow (fuzzed: tests/fuzz)
      auto t = request_table(*p, std::string_view(req.body), columnar);
      reply(res, 200, prediction_json(*p, t, columnar));
    } catch (const input_error& e) {
      http_error(res, 400, e.what());
    } catch (const transform_error& e) {
      http_error(res, 400, e.what());
    } catch (const table_error& e) {
      http_error(res, 400, e.what());
    } catch (const std::exception& e) {
      http_error(res, 500, e.what());
    }
  }

  void status(const http_request& req, http_response& res) const {
    if (req.params[0] != opt_.name) return http_error(res, 404, "no model named '" + req.params[0] + "'");
    std::optional<std::int64_t> pinned;
    if (!parse_version(req, res, pinned)) return;
    auto m = snapshot();
    nlohmann::json list = nlohmann::json::array();
    auto add = [&](std::int64_t v, const char* state, const std::string& code, const std::string& msg) {
      if (pinned && *pinned != v) return;
      list.push_back({{"version", std::to_string(v)}, {"state", state},
                      {"status", {{"error_code", code}, {"error_message", msg}}}});
    };
    for (auto it = m->loaded.rbegin(); it != m->loaded.rend(); ++it) add(it->first, "AVAILABLE", "OK", "");
    for (const auto& [v, f] : m->failed) add(v, "END", "UNKNOWN", f.message);
    if (list.empty()) return http_error(res, 404, "no version of model '" + opt_.name + "' is loaded or failed");
    reply(res, 200, {{"model_version_status", list}});
  }

  void metadata(const http_request& req, http_response& res) const {
    std::int64_t version = 0;
    auto p = pick(req, res, version);
    if (!p) return;
    const auto& man = p->manifest();
    reply(res, 200,
          {{"model_spec", {{"name", opt_.name}, {"version", std::to_string(version)}}},
           {"metadata",
            {{"signature_def", man.signature_json()},
             {"model_kind", man.model_kind},
             {"provenance",
              {{"pipeline", man.provenance.pipeline}, {"run_id", man.provenance.run_id}, {"node", man.provenance.node}}}}}});
  }

  void health(const http_request&, http_response& res) const {
    auto m = snapshot();
    if (m->loaded.empty()) return http_error(res, 503, "no model version loaded");
    reply(res, 200, {{"status", "ok"}, {"version", std::to_string(m->loaded.rbegin()->first)}});
  }

  // TensorFlow Serving's REST paths; {name} and {version} arrive as the request's params
  void setup_routes() {
    auto bind = [this](void (model_server::*f)(const http_request&, http_response&) const) {
      return [this, f](const http_request& req, http_response& res) { (this->*f)(req, res); };
    };
    for (const char* v : {"", "/versions/{version}"}) {
      const std::string base = std::string("/v1/models/{name}") + v;
      http_->route("POST", base + ":predict", bind(&model_server::predict));
      http_->route("GET", base, bind(&model_server::status));
      http_->route("GET", base + "/metadata", bind(&model_server::metadata));
    }
    http_->route("GET", "/healthz", bind(&model_server::health));
  }

  server_options opt_;
  std::unique_ptr<http_server> http_;
  int port_ = -1;
  std::thread watcher_;
  mutable std::mutex map_m_;
  std::mutex scan_m_;
  std::shared_ptr<const version_map> map_ = std::make_shared<version_map>();
  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace mlpipe
