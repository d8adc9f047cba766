// mlpipe/deploy/infra_validate.hpp: the `infra_validate` stage, which makes the `infra_blessing` artifact:
// the model is served by a separate `mlpipe serve` process, asked about eval rows, and must answer as in-process.
#pragma once

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/infra_blessing.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

namespace detail {
/// The port in `mlpipe serve`'s "... on http://HOST:PORT ..." log line, or -1 while it is not there yet.
inline int logged_port(std::string_view text) {
  for (auto at = text.find("on http://"); at != std::string_view::npos; at = text.find("on http://", at + 1)) {
    std::size_t i = at + 10, host = i;
    while (i < text.size() && text[i] != ':' && text[i] != ' ') ++i;
    if (i == host || i >= text.size() || text[i] != ':') continue;
    int port = 0;
    std::size_t digits = 0;
    for (++i; i < text.size() && text[i] >= '0' && text[i] <= '9' && digits < 6; ++i, ++digits)
      port = port * 10 + (text[i] - '0');
    if (digits > 0) return port;
  }
  return -1;
}
}  // namespace detail


namespace detail {

/// A child process that is killed (TERM, then KILL after a grace period) and reaped when this goes away.
class child_process {
 public:
  /// Starts argv[0] with stdin from /dev/null and stdout + stderr appended to `log`. The child dies with the
  /// thread that started it (PR_SET_PDEATHSIG), so a crashed pipeline leaves no server behind.
  child_process(const std::vector<std::string>& argv, const std::filesystem::path& log) {
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    const std::string logfile = log.string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ < 0) throw infra_error(std::string("cannot start a process (fork): ") + std::strerror(errno));
    if (pid_ == 0) {  // only async-signal-safe calls until exec
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      int in = ::open("/dev/null", O_RDONLY);
      int out = ::open(logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (in < 0 || out < 0) ::_exit(127);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(out, 2);
      ::close_range(3, ~0U, 0);  // no inherited descriptors (a store's files, a parent's listening socket)
      ::execv(args[0], args.data());
      ::_exit(127);
    }
  }
  ~child_process() { stop(std::chrono::milliseconds(0)); }
  child_process(const child_process&) = delete;
  child_process& operator=(const child_process&) = delete;

  /// Whether it still runs; when it has ended, its wait status is kept.
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_) {
      pid_ = -1;
      status_ = st;
      return false;
    }
    return r == 0;
  }

  /// SIGTERM, up to `grace` for it to exit, then SIGKILL. Returns true when it exited by itself with status 0.
  bool stop(std::chrono::milliseconds grace) {
    if (!running()) return status_ && WIFEXITED(*status_) && WEXITSTATUS(*status_) == 0;
    ::kill(pid_, SIGTERM);
    const auto until = std::chrono::steady_clock::now() + grace;
    while (running() && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      while (::waitpid(pid_, &st, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
      status_ = st;
      return false;
    }
    return status_ && WIFEXITED(*status_) && WEXITSTATUS(*status_) == 0;
  }

  /// "exited with status N" / "killed by signal N".
  std::string how_it_ended() const {
    if (!status_) return "still running";
    if (WIFEXITED(*status_)) return "exited with status " + std::to_string(WEXITSTATUS(*status_));
    if (WIFSIGNALED(*status_)) return "killed by signal " + std::to_string(WTERMSIG(*status_));
    return "ended";
  }

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

inline bool is_executable(const std::filesystem::path& p) {
  std::error_code ec;
  return std::filesystem::is_regular_file(p, ec) && ::access(p.c_str(), X_OK) == 0;
}

/// The `mlpipe` executable that serves: `given` (a path, or a name looked up on PATH); by default this
/// process when it is mlpipe, else `mlpipe` beside this executable or in ../tools (the build tree), else PATH.
inline std::filesystem::path find_server_executable(const std::string& given) {
  namespace fs = std::filesystem;
  auto on_path = [](const std::string& name) -> std::optional<fs::path> {
    const char* path = std::getenv("PATH");
    std::string_view rest = path ? path : "";
    while (!rest.empty()) {
      auto colon = rest.find(':');
      auto dir = rest.substr(0, colon);
      if (!dir.empty() && is_executable(fs::path(dir) / name)) return fs::path(dir) / name;
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
    return std::nullopt;
  };
  if (!given.empty()) {
    if (given.find('/') != std::string::npos) {
      if (is_executable(given)) return fs::absolute(given);
      throw infra_error("infra_validate: server '" + given + "' is not an executable file");
    }
    if (auto p = on_path(given)) return *p;
    throw infra_error("infra_validate: server '" + given + "' is not on PATH");
  }
  std::error_code ec;
  auto self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    if (self.filename() == "mlpipe") return self;
    for (auto cand : {self.parent_path() / "mlpipe", self.parent_path().parent_path() / "tools" / "mlpipe",
                      self.parent_path().parent_path().parent_path() / "tools" / "mlpipe"})
      if (is_executable(cand)) return cand;
  }
  if (auto p = on_path("mlpipe")) return *p;
  throw infra_error(
      "infra_validate: cannot find the `mlpipe` executable that serves models (not this program, not beside it, "
      "not on PATH); set the stage's `server` parameter to its path");
}

inline std::string file_tail(const std::filesystem::path& p, std::size_t max_bytes = 600) {
  std::ifstream in(p, std::ios::binary);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (s.size() > max_bytes) s = "..." + s.substr(s.size() - max_bytes);
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (auto& c : s)
    if (c == '\n') c = '|';
  return s;
}

/// A JSON value of one table cell as a caller would send it (a missing value is null).
inline nlohmann::json cell_json(const table& t, std::size_t col, std::size_t row) {
  const column& c = t.col(col);
  if (!c.is_valid(row)) return nullptr;
  if (c.kind() == column_kind::numeric) {
    double v = c.values()[row];
    return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
  }
  return c.text(row);
}

}  // namespace detail

/// Stage "infra_validate": Model + TransformGraph + Examples -> InfraBlessing.
///   mp::node<"infra">(mp::infra_validate{}) << mp::from<"model", "transform", "examples">
/// Pushes the model into a private serving directory, starts `mlpipe serve` on it as a separate process on a
/// free loopback port, waits for /healthz, sends `requests` predict requests of eval rows (as objects by name,
/// as arrays in signature order and columnar), and blesses the model only when every answer equals the
/// in-process predictor's and the server then stops cleanly on SIGTERM. Everything runs under `timeout_seconds`;
/// the server is killed at the end whatever happened. A failure is a negative blessing with the reason (and
/// the server's last log lines); only a missing server executable fails the node.
struct infra_validate {
  std::string server;            // the mlpipe executable (default: found, see detail::find_server_executable)
  std::size_t requests = 3;      // predict requests sent
  std::size_t rows_per_request = 4;
  double timeout_seconds = 30;   // start + load + all requests
  MLPIPE_PARAMETERS(server, requests, rows_per_request, timeout_seconds);

  static constexpr std::string_view name = "infra_validate";
  static constexpr int version = 1;

  infra_blessing operator()(const any_model& m, const transform_graph& g, const examples& ex, context& ctx) const {
    namespace fs = std::filesystem;
    using clock = std::chrono::steady_clock;
    const auto exe = detail::find_server_executable(server);
    const auto start = clock::now();
    const auto deadline = start + std::chrono::milliseconds(static_cast<long long>(std::max(0.1, timeout_seconds) * 1000));
    auto left_ms = [&] {
      return std::max<long long>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock::now()).count());
    };

    std::random_device rd;
    const fs::path dir = fs::temp_directory_path() /
                         ("mlpipe-infra-" + std::to_string(::getpid()) + "-" + fingerprint_hex((std::uint64_t{rd()} << 32) ^ rd()));
    struct remove_dir {
      fs::path p;
      ~remove_dir() {
        std::error_code ec;
        fs::remove_all(p, ec);
      }
    } cleanup{dir};
    fs::create_directories(dir);

    infra_blessing out;
    auto finish = [&](infra_blessing b) {
      ctx.record("infra_blessed", b.blessed ? 1 : 0);
      ctx.record("infra_reason", b.reason);
      ctx.record("infra_requests", b.requests);
      ctx.record("infra_rows_checked", b.rows_checked);
      ctx.record("infra_mismatches", b.mismatches);
      ctx.record("infra_startup_ms", b.startup_ms);
      ctx.record("infra_max_request_ms", b.max_request_ms);
      ctx.log(std::string(b.blessed ? "BLESSED: " : "NOT BLESSED: ") + b.reason);
      return b;
    };

    // the rows: eval rows the in-process predictor accepts (a row it rejects would be rejected by both)
    const model_bundle local_bundle{make_manifest(g, m), g, m, std::nullopt, {}};
    const predictor local(local_bundle);
    const table& eval = ex.eval.rows() > 0 ? ex.eval : ex.train;
    const std::size_t want = std::max<std::size_t>(1, requests) * std::max<std::size_t>(1, rows_per_request);
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < eval.rows() && rows.size() < want && r < want * 20; ++r) {
      try {
        (void)local.predict(eval.take(std::span<const std::size_t>(&r, 1)));
        rows.push_back(r);
      } catch (const std::exception&) {
      }
    }
    if (rows.empty()) {
      out.reason = "no eval row can be predicted in-process (nothing to compare the server with)";
      return finish(out);
    }

    const fs::path base = dir / "serving", log = dir / "server.log";
    push_bundle(base, g, m, nullptr, {std::string(ctx.pipeline_name()), std::string(ctx.run_id()), std::string(ctx.node_name()), {}});
    detail::child_process child({exe.string(), "serve", "--model-base", base.string(), "--name", "infra", "--port", "0",
                                 "--workers", "2", "--poll-ms", "600000"},
                                log);
    auto fail = [&](std::string why) {
      child.stop(std::chrono::milliseconds(std::min<long long>(2000, left_ms() + 200)));
      auto tail = detail::file_tail(log);
      out.blessed = false;
      out.reason = why + (tail.empty() ? "" : " (server log: " + tail + ")");
      return finish(out);
    };

    // its port: `mlpipe serve --port 0` logs "... on http://127.0.0.1:PORT ..."; the model is loaded by then
    int port = -1;
    while (port < 0) {
      std::ifstream in(log);
      std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      port = detail::logged_port(text);
      if (port >= 0) break;
      if (!child.running()) return fail("the server " + exe.string() + " " + child.how_it_ended() + " before it listened");
      else if (left_ms() == 0) return fail("the server did not listen within " + std::to_string(timeout_seconds) + " s");
      else std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    httplib::Client cli("127.0.0.1", port);
    auto set_timeouts = [&] {
      const auto ms = std::max<long long>(1, left_ms());
      cli.set_connection_timeout(ms / 1000, static_cast<long>((ms % 1000) * 1000));
      cli.set_read_timeout(ms / 1000, static_cast<long>((ms % 1000) * 1000));
      cli.set_write_timeout(ms / 1000, static_cast<long>((ms % 1000) * 1000));
    };
    for (;;) {
      set_timeouts();
      auto h = cli.Get("/healthz");
      if (h && h->status == 200) break;
      if (h && h->status != 503) return fail("/healthz answered " + std::to_string(h->status) + ": " + h->body);
      if (h && h->status == 503) {  // listening, but no version loaded: it failed to load the bundle
        auto st = cli.Get("/v1/models/infra");
        return fail("the server cannot load the model: " + (st ? st->body : h->body));
      }
      if (!child.running()) return fail("the server " + child.how_it_ended());
      if (left_ms() == 0) return fail("the server was not healthy within " + std::to_string(timeout_seconds) + " s");
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    out.startup_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();

    // the requests, in the three formats in turn; the answers must equal the in-process predictor's exactly
    const auto& inputs = local.manifest().inputs;
    const std::size_t nreq = std::max<std::size_t>(1, requests), per = (rows.size() + nreq - 1) / nreq;
    for (std::size_t q = 0; q * per < rows.size(); ++q) {
      std::vector<std::size_t> part(rows.begin() + static_cast<std::ptrdiff_t>(q * per),
                                    rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), (q + 1) * per)));
      table t = eval.take(part);
      std::vector<std::size_t> cols;
      for (const auto& in : inputs) cols.push_back(*t.index_of(in.name));
      nlohmann::json body;
      const int format = static_cast<int>(q % 3);  // 0: objects by name, 1: arrays in signature order, 2: columnar
      if (format == 2) {
        nlohmann::json obj = nlohmann::json::object();
        for (std::size_t j = 0; j < inputs.size(); ++j) {
          nlohmann::json col = nlohmann::json::array();
          for (std::size_t r = 0; r < t.rows(); ++r) col.push_back(detail::cell_json(t, cols[j], r));
          obj[inputs[j].name] = std::move(col);
        }
        body = {{"inputs", std::move(obj)}};
      } else {
        nlohmann::json inst = nlohmann::json::array();
        for (std::size_t r = 0; r < t.rows(); ++r) {
          nlohmann::json row = format == 0 ? nlohmann::json::object() : nlohmann::json::array();
          for (std::size_t j = 0; j < inputs.size(); ++j)
            if (format == 0) row[inputs[j].name] = detail::cell_json(t, cols[j], r);
            else row.push_back(detail::cell_json(t, cols[j], r));
          inst.push_back(std::move(row));
        }
        body = {{"instances", std::move(inst)}};
      }
      set_timeouts();
      const auto t0 = clock::now();
      auto res = cli.Post("/v1/models/infra:predict", body.dump(), "application/json");
      out.max_request_ms = std::max(out.max_request_ms, std::chrono::duration<double, std::milli>(clock::now() - t0).count());
      if (!res) return fail("predict request " + std::to_string(q + 1) + " got no answer (" + httplib::to_string(res.error()) + ")");
      if (res->status != 200)
        return fail("predict request " + std::to_string(q + 1) + " answered " + std::to_string(res->status) + ": " + res->body);
      ++out.requests;
      auto got = nlohmann::json::parse(res->body, nullptr, false);
      const auto expected = local.predict(t);
      const auto proba = local.is_classifier() ? local.predict_proba(t) : std::vector<double>{};
      const std::size_t K = local.num_classes();
      for (std::size_t r = 0; r < t.rows(); ++r) {
        bool same = false;
        try {
          if (format == 2) {
            const auto& o = got.at("outputs");
            if (!local.is_classifier()) same = o.at(r).get<double>() == expected[r];
            else
              same = o.at("class").at(r).get<std::string>() == local.class_name(expected[r]) &&
                     o.at("probabilities").at(r).get<std::vector<double>>() ==
                         std::vector<double>(proba.begin() + static_cast<std::ptrdiff_t>(r * K),
                                             proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * K));
          } else {
            const auto& o = got.at("predictions").at(r);
            if (!local.is_classifier()) same = o.get<double>() == expected[r];
            else
              same = o.at("class").get<std::string>() == local.class_name(expected[r]) &&
                     o.at("probabilities").get<std::vector<double>>() ==
                         std::vector<double>(proba.begin() + static_cast<std::ptrdiff_t>(r * K),
                                             proba.begin() + static_cast<std::ptrdiff_t>((r + 1) * K));
          }
        } catch (const nlohmann::json::exception&) {
          same = false;
        }
        ++out.rows_checked;
        if (!same) ++out.mismatches;
      }
    }
    out.clean_shutdown = child.stop(std::chrono::milliseconds(std::min<long long>(5000, left_ms() + 1000)));
    if (out.mismatches > 0) {
      out.reason = std::to_string(out.mismatches) + " of " + std::to_string(out.rows_checked) +
                   " eval rows answered differently by the server than in-process";
      return finish(out);
    }
    if (!out.clean_shutdown) {
      out.reason = "the server did not stop cleanly on SIGTERM (" + child.how_it_ended() + ")";
      return finish(out);
    }
    out.blessed = true;
    out.reason = "the server answered " + std::to_string(out.rows_checked) + " eval rows in " +
                 std::to_string(out.requests) + " requests exactly as in-process, and stopped cleanly";
    return finish(out);
  }
};

}  // namespace mlpipe
