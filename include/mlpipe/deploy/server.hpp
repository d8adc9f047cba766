// mlpipe/deploy/server.hpp: `model_server`, TensorFlow Serving's REST API over the versions under a base
// directory (cpp-httplib, link mlpipe::serve); watches the directory and swaps new versions in without a gap.
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

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>

namespace mlpipe {

namespace detail {
/// Appends `s` as the inside of a JSON string (control characters and non-ASCII bytes as \u00XX escapes, so
/// the line stays valid JSON whatever a client sent).
inline void json_escape(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20 || c >= 0x7f) out += "\\u00", out += hex[c >> 4], out += hex[c & 15];
    else out += static_cast<char>(c);
  }
}
}  // namespace detail

/// How `model_server` runs.
struct server_options {
  std::filesystem::path model_base;  // <model_base>/<version>/ bundles, as push writes them
  std::string name = "model";        // the model's name in the URLs
  std::string host = "127.0.0.1";    // loopback only by default
  int port = 8501;                   // 0: any free port (see model_server::port())
  std::size_t workers = 16;          // request threads (each keep-alive connection holds one while open)
  std::size_t max_body_bytes = std::size_t{4} << 20;  // larger bodies get 413
  std::size_t keep_versions = 1;     // newest versions kept loaded (TF Serving's "latest" policy: 1)
  std::size_t keep_alive_requests = 1000;              // requests per keep-alive connection before it closes
  std::chrono::milliseconds poll_interval{500};        // how often the base directory is scanned
  std::function<void(const std::string&)> access_log;  // one JSON line per request (none when empty)
  std::function<void(const std::string&)> event_log;   // loads, unloads, load failures
  /// The model kinds the server can load (a bundle's manifest names its kind); add your own kinds to it.
  std::shared_ptr<const model_registry> registry = std::make_shared<model_registry>(default_model_registry());
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
    setup_routes();
    svr_.new_task_queue = [n = std::max<std::size_t>(1, opt_.workers)] { return new httplib::ThreadPool(n); };
    svr_.set_payload_max_length(opt_.max_body_bytes);
    // small JSON answers: without TCP_NODELAY, Nagle + delayed ACK add ~40 ms to every keep-alive request
    svr_.set_tcp_nodelay(true);
    // a keep-alive connection occupies a worker while idle: let idle ones go soon so others get served; but a
    // busy one keeps its connection for many requests (httplib closes after 5 by default: a reconnect, an
    // accept and a new worker task every 5 requests)
    svr_.set_keep_alive_timeout(1);
    svr_.set_keep_alive_max_count(opt_.keep_alive_requests);
    if (opt_.port == 0) {
      port_ = svr_.bind_to_any_port(opt_.host.c_str());
      if (port_ < 0) throw std::runtime_error("cannot bind " + opt_.host);
    } else {
      if (!svr_.bind_to_port(opt_.host.c_str(), opt_.port))
        throw std::runtime_error("cannot bind " + opt_.host + ":" + std::to_string(opt_.port) + " (in use?)");
      port_ = opt_.port;
    }
    listener_ = std::thread([this] { svr_.listen_after_bind(); });
    watcher_ = std::thread([this] { watch(); });
    // cpp-httplib 0.11 has no wait_until_ready(): the listener flips is_running() as it enters its loop
    for (int i = 0; i < 2000 && !svr_.is_running(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  /// Stops accepting, lets running requests finish, joins the threads.
  void stop() {
    {
      std::lock_guard lk(stop_m_);
      if (stopping_) return;
      stopping_ = true;
    }
    stop_cv_.notify_all();
    svr_.stop();
    if (listener_.joinable()) listener_.join();
    if (watcher_.joinable()) watcher_.join();
  }

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
        auto p = std::make_shared<const predictor>(opt_.model_base / std::to_string(v), true,
                                                   opt_.registry ? *opt_.registry : default_model_registry());
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

  static void reply(httplib::Response& res, int status, const nlohmann::json& body) {
    res.status = status;
    // replace, not throw: an error message may quote a client's invalid UTF-8
    res.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace), "application/json");
  }
  static void error(httplib::Response& res, int status, const std::string& message) {
    reply(res, status, {{"error", message}});
  }

  // The predictor for a request: the pinned version or the newest loaded; nullptr after an error reply.
  std::shared_ptr<const predictor> pick(const httplib::Request& req, httplib::Response& res, std::int64_t& version) const {
    if (req.matches[1] != opt_.name) {
      error(res, 404, "no model named '" + std::string(req.matches[1]) + "' (this server serves '" + opt_.name + "')");
      return nullptr;
    }
    auto m = snapshot();
    if (req.matches.size() > 2 && req.matches[2].matched) {
      try {
        version = std::stoll(req.matches[2]);
      } catch (const std::exception&) {
        error(res, 400, "version '" + std::string(req.matches[2]) + "' is not a number");
        return nullptr;
      }
      auto it = m->loaded.find(version);
      if (it == m->loaded.end()) {
        error(res, 404, "version " + std::to_string(version) + " of model '" + opt_.name + "' is not loaded");
        return nullptr;
      }
      return it->second;
    }
    if (m->loaded.empty()) {
      error(res, 404, "model '" + opt_.name + "' has no version loaded (none pushed to " + opt_.model_base.string() + "?)");
      return nullptr;
    }
    version = m->loaded.rbegin()->first;
    return m->loaded.rbegin()->second;
  }

  void setup_routes() {
    const std::string name_re = "/v1/models/([^/:]+)";
    svr_.Post(name_re + "(?:/versions/([0-9]+))?:predict", [this](const httplib::Request& req, httplib::Response& res) {
      std::int64_t version = 0;
      auto p = pick(req, res, version);  // holds this version for the whole request
      if (!p) return;
      nlohmann::json body;
      try {
        body = nlohmann::json::parse(req.body);
      } catch (const nlohmann::json::exception& e) {
        return error(res, 400, std::string("the body is not valid JSON: ") + e.what());
      }
      try {
        bool columnar = false;
        auto t = request_table(*p, body, columnar);
        reply(res, 200, prediction_json(*p, t, columnar));
      } catch (const input_error& e) {
        error(res, 400, e.what());
      } catch (const transform_error& e) {
        error(res, 400, e.what());
      } catch (const table_error& e) {
        error(res, 400, e.what());
      } catch (const std::exception& e) {
        error(res, 500, e.what());
      }
    });
    auto status = [this](const httplib::Request& req, httplib::Response& res) {
      if (req.matches[1] != opt_.name)
        return error(res, 404, "no model named '" + std::string(req.matches[1]) + "'");
      auto m = snapshot();
      std::optional<std::int64_t> pinned;
      if (req.matches.size() > 2 && req.matches[2].matched) {
        try {
          pinned = std::stoll(req.matches[2]);
        } catch (const std::exception&) {
          return error(res, 400, "version '" + std::string(req.matches[2]) + "' is not a number");
        }
      }
      nlohmann::json list = nlohmann::json::array();
      auto add = [&](std::int64_t v, const char* state, const std::string& code, const std::string& msg) {
        if (pinned && *pinned != v) return;
        list.push_back({{"version", std::to_string(v)}, {"state", state},
                        {"status", {{"error_code", code}, {"error_message", msg}}}});
      };
      for (auto it = m->loaded.rbegin(); it != m->loaded.rend(); ++it) add(it->first, "AVAILABLE", "OK", "");
      for (const auto& [v, f] : m->failed) add(v, "END", "UNKNOWN", f.message);
      if (list.empty()) return error(res, 404, "no version of model '" + opt_.name + "' is loaded or failed");
      reply(res, 200, {{"model_version_status", list}});
    };
    svr_.Get(name_re + "(?:/versions/([0-9]+))?", status);
    svr_.Get(name_re + "(?:/versions/([0-9]+))?/metadata", [this](const httplib::Request& req, httplib::Response& res) {
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
    });
    svr_.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      auto m = snapshot();
      if (m->loaded.empty()) return error(res, 503, "no model version loaded");
      reply(res, 200, {{"status", "ok"}, {"version", std::to_string(m->loaded.rbegin()->first)}});
    });
    // every other error (unknown path 404, oversized body 413, ...) also answers {"error": ...}
    svr_.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
      if (!res.body.empty()) return;
      std::string msg = res.status == 413 ? "the request body is larger than the server's limit"
                        : res.status == 404 ? "no such endpoint: " + req.method + " " + req.path
                                            : "HTTP " + std::to_string(res.status);
      res.set_content(nlohmann::json{{"error", msg}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                      "application/json");
    });
    if (opt_.access_log)
      svr_.set_logger([log = opt_.access_log](const httplib::Request& req, const httplib::Response& res) {
        // one JSON line, written directly (no JSON document per request); the path is escaped
        std::string line;
        line.reserve(160 + req.path.size());
        line += "{\"method\":\"";
        detail::json_escape(line, req.method);
        line += "\",\"path\":\"";
        detail::json_escape(line, req.path);
        line += "\",\"status\":" + std::to_string(res.status) + ",\"remote\":\"";
        detail::json_escape(line, req.remote_addr);
        line += "\",\"request_bytes\":" + std::to_string(req.body.size()) +
                ",\"response_bytes\":" + std::to_string(res.body.size()) + "}";
        log(line);
      });
  }

  server_options opt_;
  httplib::Server svr_;
  int port_ = -1;
  std::thread listener_, watcher_;
  mutable std::mutex map_m_;
  std::mutex scan_m_;
  std::shared_ptr<const version_map> map_ = std::make_shared<version_map>();
  std::mutex stop_m_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

}  // namespace mlpipe
