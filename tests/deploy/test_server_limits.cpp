// The server under abusive clients, over raw loopback sockets: a chunked body over --max-body is refused with
// 413 while it is read, with the process's peak memory bounded; connections trickling headers or a body are
// closed at the read deadline while /healthz answers at once with two workers; 64 idle keep-alive connections
// on one worker cost no thread (a 65th client is answered within 100 ms). And the HTTP layer's own contract
// (routes, parameters, 404/405, streamed answers, handler exceptions, the access log) that other pages use.
#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/http.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/deploy/server.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

using namespace mlpipe;
using json = nlohmann::json;
using clk = std::chrono::steady_clock;

namespace {

double ms_since(clk::time_point t0) { return std::chrono::duration<double, std::milli>(clk::now() - t0).count(); }

// A raw TCP connection to 127.0.0.1, for what an HTTP client library will not do (trickle, lie, hold open).
struct raw_conn {
  int fd = -1;
  explicit raw_conn(int port) {
    fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<std::uint16_t>(port));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    int one = 1;
    ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~raw_conn() {
    if (fd >= 0) ::close(fd);
  }
  raw_conn(const raw_conn&) = delete;
  raw_conn& operator=(const raw_conn&) = delete;
  // false once the server has closed (EPIPE / reset)
  bool send_all(std::string_view s) {
    while (!s.empty()) {
      auto n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      s.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }
  bool readable(int timeout_ms) {
    pollfd p{fd, POLLIN, 0};
    return ::poll(&p, 1, timeout_ms) > 0;
  }
  // One response with a Content-Length body; "" when the connection closed or timed out first.
  std::string read_response(int timeout_ms = 5000) {
    std::string got;
    const auto t0 = clk::now();
    for (;;) {
      auto he = got.find("\r\n\r\n");
      if (he != std::string::npos) {
        auto cl = got.find("Content-Length: ");
        if (cl == std::string::npos) cl = got.find("content-length: ");
        std::size_t len = cl == std::string::npos || cl > he ? 0 : std::stoul(got.substr(cl + 16));
        if (got.size() >= he + 4 + len) return got.substr(0, he + 4 + len);
      }
      const int left = timeout_ms - static_cast<int>(ms_since(t0));
      if (left <= 0 || !readable(left)) return {};
      char buf[65536];
      auto n = ::recv(fd, buf, sizeof buf, 0);
      if (n <= 0) return {};
      got.append(buf, static_cast<std::size_t>(n));
    }
  }
  // Whether the server closes this connection (EOF or reset) within timeout_ms, dropping what it sends.
  bool closed_within(int timeout_ms) {
    const auto t0 = clk::now();
    for (;;) {
      const int left = timeout_ms - static_cast<int>(ms_since(t0));
      if (left <= 0 || !readable(left)) return false;
      char buf[4096];
      if (::recv(fd, buf, sizeof buf, 0) <= 0) return true;
    }
  }
};

int status_of(const std::string& response) {
  return response.size() > 12 && response.compare(0, 5, "HTTP/") == 0 ? std::stoi(response.substr(9, 3)) : -1;
}

// The process's peak resident set since reset_peak_rss() (VmHWM), in bytes.
bool reset_peak_rss() {
  std::ofstream f("/proc/self/clear_refs");
  f << "5";
  f.flush();
  return static_cast<bool>(f);
}
std::size_t status_kb(const char* key) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(key, 0) == 0) return std::stoul(line.substr(std::strlen(key)));
  return 0;
}

struct iris_server {
  examples ex;
  std::filesystem::path base;
  std::unique_ptr<model_server> server;
  iris_server(const std::string& dir, std::size_t workers, std::size_t max_body = std::size_t{1} << 20,
              std::chrono::milliseconds read_timeout = std::chrono::seconds(10)) {
    ex = test::load_examples("iris.csv", "species");
    context ctx;
    auto g = fit_transform{}(ex, {}, ctx);
    auto m = train<softmax_regression>{}(ex, g, {}, ctx);
    base = test::fresh_dir(dir);
    push_bundle(base, g, m);
    server_options o;
    o.model_base = base;
    o.name = "iris";
    o.port = 0;
    o.workers = workers;
    o.max_body_bytes = max_body;
    o.read_timeout = read_timeout;
    server = std::make_unique<model_server>(o);
    server->start();
  }
  int port() const { return server->port(); }
};

const std::string one_row = R"({"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2})";

}  // namespace

TEST_CASE("serve: a chunked body over --max-body is refused with 413 while read, in bounded memory") {
  iris_server s("limits_chunked", 1, std::size_t{1} << 20);

  SUBCASE("a chunked body within the cap is a normal request") {
    raw_conn c(s.port());
    const std::string body = R"({"instances": [)" + one_row + "," + one_row + "]}";
    std::string req = "POST /v1/models/iris:predict HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (std::size_t at = 0; at < body.size(); at += 7) {
      auto piece = body.substr(at, 7);
      char hdr[16];
      std::snprintf(hdr, sizeof hdr, "%zx\r\n", piece.size());
      req += hdr + piece + "\r\n";
    }
    req += "0\r\n\r\n";
    REQUIRE(c.send_all(req));
    auto r = c.read_response();
    CHECK(status_of(r) == 200);
    CHECK(r.find("setosa") != std::string::npos);
  }
  SUBCASE("200 MB of valid rows, chunked: 413 after about the cap, peak RSS far below the body") {
    const bool peak_reset = reset_peak_rss();
    const std::size_t rss_before_kb = status_kb("VmRSS:");
    raw_conn c(s.port());
    REQUIRE(c.send_all("POST /v1/models/iris:predict HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
                       "Transfer-Encoding: chunked\r\n\r\n"));
    std::string rows;
    while (rows.size() < (64u << 10)) rows += one_row + ",";
    char hdr[16];
    std::snprintf(hdr, sizeof hdr, "%zx\r\n", rows.size() + 1);
    const std::string first = std::string(hdr) + "[" + rows + "\r\n";
    std::snprintf(hdr, sizeof hdr, "%zx\r\n", rows.size());
    const std::string chunk = std::string(hdr) + rows + "\r\n";
    std::size_t sent = 0;
    bool refused_early = false;
    REQUIRE(c.send_all(first));
    // a client that keeps sending until the server answers (or stops reading): 200 MB at most
    while (sent < (std::size_t{200} << 20)) {
      if (c.readable(0)) {
        refused_early = true;
        break;
      }
      if (!c.send_all(chunk)) break;
      sent += chunk.size();
    }
    auto r = c.read_response();
    INFO("bytes sent before the answer: " << sent);
    CHECK(refused_early);
    CHECK(status_of(r) == 413);
    CHECK(r.find("larger than the server's limit of 1048576 bytes") != std::string::npos);
    CHECK(r.find("Connection: close") != std::string::npos);
    CHECK(sent < (std::size_t{64} << 20));  // the socket buffers' worth beyond the cap, not the body
    const std::size_t peak_kb = peak_reset ? status_kb("VmHWM:") : status_kb("VmRSS:");
    INFO("RSS before " << rss_before_kb << " kB, peak during " << peak_kb << " kB");
    CHECK(peak_kb < rss_before_kb + 48 * 1024);  // cap 1 MB + read buffers + this test's own chunk
    CHECK(c.closed_within(5000));
    MESSAGE("chunked 200 MB: 413 after " << sent / 1024 << " KiB sent; RSS " << rss_before_kb << " kB before, peak "
                                         << peak_kb << " kB");
    httplib::Client cli("127.0.0.1", s.port());
    auto h = cli.Get("/healthz");
    REQUIRE(h);
    CHECK(h->status == 200);
  }
  SUBCASE("a Content-Length over the cap is refused before the body is read") {
    raw_conn c(s.port());
    REQUIRE(c.send_all("POST /v1/models/iris:predict HTTP/1.1\r\nHost: t\r\nContent-Length: 200000000\r\n\r\n"));
    auto r = c.read_response(2000);
    CHECK(status_of(r) == 413);
  }
}

TEST_CASE("serve: connections trickling a request are closed at the read deadline; others are answered meanwhile") {
  const auto deadline = std::chrono::milliseconds(1000);
  iris_server s("limits_slow", 2, std::size_t{1} << 20, deadline);
  // each trickler sends one piece every 250 ms: no single read ever waits long, only the deadline can end it
  struct trickle {
    std::string head, piece;
  };
  const std::vector<trickle> kinds = {
      {"GET /healthz HTTP/1.1\r\n", "X-Slow: header line\r\n"},
      {"POST /v1/models/iris:predict HTTP/1.1\r\n", "X-Slow: header line\r\n"},
      {"POST /v1/models/iris:predict HTTP/1.1\r\nContent-Length: 100000\r\n\r\n", "[[5.1, 3.5, 1.4, 0.2],"},
  };
  std::vector<double> closed_after(kinds.size(), -1);
  std::vector<std::thread> slow;
  const auto t0 = clk::now();
  for (std::size_t i = 0; i < kinds.size(); ++i)
    slow.emplace_back([&, i] {
      raw_conn c(s.port());
      if (!c.send_all(kinds[i].head)) return;
      for (int k = 0; k < 40; ++k) {  // 10 s at most
        if (c.closed_within(250)) {
          closed_after[i] = ms_since(t0);
          return;
        }
        if (!c.send_all(kinds[i].piece)) {
          closed_after[i] = ms_since(t0);
          return;
        }
      }
    });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  httplib::Client cli("127.0.0.1", s.port());
  const auto h0 = clk::now();
  auto h = cli.Get("/healthz");
  const double healthz_ms = ms_since(h0);
  REQUIRE(h);
  CHECK(h->status == 200);
  CHECK(healthz_ms < 500);  // within the deadline, while the trickling connections are all still open
  for (auto& t : slow) t.join();
  MESSAGE("read deadline 1000 ms: /healthz answered in " << healthz_ms << " ms; trickling connections closed after "
                                                         << closed_after[0] << ", " << closed_after[1] << ", "
                                                         << closed_after[2] << " ms");
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CAPTURE(i);
    CHECK(closed_after[i] >= 900);   // not before the deadline
    CHECK(closed_after[i] <= 3000);  // and soon after it
  }
}

TEST_CASE("serve: 64 idle keep-alive connections on one worker; a 65th client is answered within 100 ms") {
  iris_server s("limits_idle", 1);
  std::vector<std::unique_ptr<raw_conn>> idle;
  for (int i = 0; i < 64; ++i) {
    idle.push_back(std::make_unique<raw_conn>(s.port()));
    REQUIRE(idle.back()->send_all("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
    REQUIRE(status_of(idle.back()->read_response()) == 200);  // served, and now idle on keep-alive
  }
  CHECK(s.server->open_connections() == 64);
  const std::string body = R"({"instances": [)" + one_row + "]}";
  double worst = 0;
  for (int k = 0; k < 3; ++k) {  // three fresh clients in turn, each must be quick
    httplib::Client cli("127.0.0.1", s.port());
    const auto t0 = clk::now();
    auto r = cli.Post("/v1/models/iris:predict", body, "application/json");
    worst = std::max(worst, ms_since(t0));
    REQUIRE(r);
    CHECK(r->status == 200);
  }
  CHECK(worst < 100);
  MESSAGE("64 idle keep-alive connections, 1 worker: slowest of 3 new clients answered in " << worst << " ms");
  // the idle connections were kept, not dropped to make room: each answers again
  int answered = 0;
  for (auto& c : idle) {
    if (!c->send_all("GET /v1/models/iris HTTP/1.1\r\nHost: t\r\n\r\n")) continue;
    answered += status_of(c->read_response()) == 200;
  }
  CHECK(answered == 64);
}

TEST_CASE("http_server: routes, parameters, 404/405, streamed answers, handler errors, access log") {
  std::mutex log_m;
  std::vector<json> log;
  http_server_options o;
  o.workers = 2;
  o.access_log = [&](const std::string& line) {
    std::lock_guard lk(log_m);
    log.push_back(json::parse(line));
  };
  http_server srv(o);
  srv.route("GET", "/runs/{id}/nodes/{node}", [](const http_request& req, http_response& res) {
    res.content_type = "text/plain";
    res.body = req.params[0] + "|" + req.params[1] + "|" + req.query_param("page").value_or("none") + "|" +
               req.query_param("q").value_or("none") + "|" + std::string(req.header("x-who"));
  });
  srv.route("GET", "/static/*", [](const http_request& req, http_response& res) { res.body = "file:" + req.params[0]; });
  srv.route("POST", "/echo", [](const http_request& req, http_response& res) { res.body = req.body; });
  srv.route("GET", "/stream", [](const http_request& req, http_response& res) {
    const int n = std::stoi(req.query_param("n").value_or("3"));
    res.content_type = "text/csv";
    res.stream = [i = 0, n](std::string& out) mutable {
      out += "row " + std::to_string(i) + "\n";
      return ++i < n;
    };
  });
  srv.route("GET", "/throws", [](const http_request&, http_response&) -> void { throw std::runtime_error("boom"); });
  srv.start();
  httplib::Client cli("127.0.0.1", srv.port());
  cli.set_keep_alive(true);  // httplib closes after each answer by default; this test means one connection

  auto r = cli.Get("/runs/42/nodes/train?page=3&q=a%20b%2Fc", {{"X-Who", "ui"}});
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == "42|train|3|a b/c|ui");
  CHECK(url_decode("a+b%2b%zz") == "a b+%zz");
  r = cli.Get("/static/css/site.css");
  REQUIRE(r);
  CHECK(r->body == "file:css/site.css");
  r = cli.Post("/echo", "hello", "text/plain");
  REQUIRE(r);
  CHECK(r->body == "hello");
  r = cli.Get("/stream?n=20000");  // ~200 KB in 20,000 pieces, chunked
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->get_header_value("Content-Type") == "text/csv");
  CHECK(r->body.rfind("row 19999\n") == r->body.size() - 10);
  CHECK(std::count(r->body.begin(), r->body.end(), '\n') == 20000);
  r = cli.Get("/stream?n=2");  // the same keep-alive connection goes on after a streamed answer
  REQUIRE(r);
  CHECK(r->body == "row 0\nrow 1\n");
  r = cli.Get("/runs/42");
  REQUIRE(r);
  CHECK(r->status == 404);
  CHECK(json::parse(r->body)["error"] == "no such endpoint: GET /runs/42");
  r = cli.Post("/runs/1/nodes/2", "", "text/plain");
  REQUIRE(r);
  CHECK(r->status == 405);
  r = cli.Get("/throws");
  REQUIRE(r);
  CHECK(r->status == 500);
  CHECK(json::parse(r->body)["error"] == "internal error: boom");
  srv.stop();
  std::lock_guard lk(log_m);
  // Lines are written when an answer has been sent, so their order is the order of answers; look them up by
  // path rather than by position (two workers; a client on several connections may see them reordered).
  REQUIRE(log.size() == 8);
  const auto line = [&](std::string_view path, int nth = 0) -> const json& {
    for (const auto& l : log)
      if (l["path"] == path && nth-- == 0) return l;
    FAIL("no access-log line for " << path << ": " << json(log).dump());
    throw std::logic_error("unreachable");
  };
  CHECK(line("/runs/42/nodes/train")["status"] == 200);
  CHECK(line("/runs/42/nodes/train")["remote"] == "127.0.0.1");
  CHECK(line("/runs/42/nodes/train")["method"] == "GET");
  CHECK(line("/stream", 0)["response_bytes"] == 188890);  // "row i\n" for i < 20,000: 5 bytes each and 88,890 digits
  CHECK(line("/stream", 1)["response_bytes"] == 12);
  CHECK(line("/echo")["request_bytes"] == 5);
  CHECK(line("/runs/1/nodes/2")["status"] == 405);
  CHECK(line("/throws")["status"] == 500);
}
