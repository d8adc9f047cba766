// mlpipe/deploy/http.hpp: `http_server`, an event-driven HTTP/1.1 server (Boost.Beast on Boost.Asio, compiled once
// into mlpipe::serve): routes to handlers on a bounded thread pool, idle connections hold no thread, capped reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mlpipe {

/// One request as a handler sees it: read in full (the body within the server's cap).
struct http_request {
  std::string method;               // "GET", "POST", ...
  std::string target;               // as sent: path, then '?' and the query
  std::string path;                 // the target before '?', not percent-decoded
  std::string query;                // the target after '?', raw
  std::vector<std::string> params;  // what the route's {placeholders} (and a final '*') matched, in order
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote;  // the peer's address

  /// A header's value (names compare case-insensitively); empty when absent.
  std::string_view header(std::string_view name) const;
  /// A query parameter, percent-decoded ('+' as space); nullopt when absent.
  std::optional<std::string> query_param(std::string_view name) const;
};

/// What a handler answers. Either `body` (sent with Content-Length) or `stream` (sent with chunked transfer
/// encoding: the server calls it again and again, each call appending the next piece to `out`, until it returns
/// false; the pieces are computed on the worker pool and each is written before the next is asked for, so a
/// large page never sits in memory whole). An exception thrown by `stream` ends the connection mid-answer.
struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Cache-Control, Location, ...)
  std::function<bool(std::string& out)> stream;
};

using http_handler = std::function<void(const http_request&, http_response&)>;

/// How `http_server` runs. The read deadline covers one request's headers and body from its first byte, so a
/// client trickling bytes cannot hold a connection's reader beyond it; an idle keep-alive connection waits up to
/// idle_timeout for its next request, holding a socket and a small buffer, never a thread.
struct http_server_options {
  std::string host = "127.0.0.1";  // "0.0.0.0" or "::" to listen beyond loopback (behind a load balancer)
  int port = 0;                    // 0: any free port (see http_server::port())
  std::size_t workers = 4;         // threads, each an event loop with its share of the connections (no other)
  std::size_t max_body_bytes = std::size_t{4} << 20;  // enforced while reading, any transfer encoding: 413
  std::size_t max_header_bytes = 16 << 10;           // request line and headers: 431 beyond
  std::size_t keep_alive_requests = 1000;            // requests per connection before it closes
  std::chrono::milliseconds read_timeout{10'000};    // deadline for one request's headers and body
  std::chrono::milliseconds idle_timeout{60'000};    // a keep-alive connection without a request is closed
  std::chrono::milliseconds write_timeout{30'000};   // deadline for writing one answer (or one streamed piece)
  std::chrono::milliseconds stop_timeout{10'000};    // stop(): how long answers in flight get before a hard stop
  /// One JSON line per answered request: method, path, status, remote, request_bytes, response_bytes, ms.
  /// Called on the worker threads (the callee serialises its output).
  std::function<void(const std::string&)> access_log;
};

/// The server. Register routes, then start(); stop() (any thread but a handler's, idempotent) stops accepting,
/// closes idle connections, lets answers in flight finish and joins the threads.
///
/// A route pattern is literal text with `{name}` placeholders, each matching a non-empty run of characters other
/// than '/' and ':', and optionally a final `*` matching the rest of the path (possibly empty). Routes are tried
/// in registration order against the path. No route: 404; a route for another method only: 405. Every error the
/// server answers itself (400 malformed request, 404, 405, 413 body over the cap, 431, 500 for an exception from
/// a handler) has a JSON body {"error": "..."}.
class http_server {
 public:
  explicit http_server(http_server_options options);
  ~http_server();
  http_server(const http_server&) = delete;
  http_server& operator=(const http_server&) = delete;

  /// Adds a route (before start()).
  void route(std::string method, std::string pattern, http_handler handler);
  /// Binds host:port (throws std::runtime_error naming them when it cannot) and serves on `workers` threads.
  void start();
  /// Stops accepting and ends the connections: idle ones at once, busy ones after their answer (or after
  /// stop_timeout); joins the threads.
  void stop();
  /// The bound port (after start()).
  int port() const noexcept;
  /// Connections open now (accepted and not yet closed).
  std::size_t open_connections() const noexcept;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

/// `{"error": message}` with a status, the shape of every error answer (invalid UTF-8 replaced).
void http_error(http_response& res, int status, std::string_view message);

/// Percent-decodes a URL component ('+' as space when `plus_is_space`); malformed escapes are kept as they are.
std::string url_decode(std::string_view s, bool plus_is_space = true);

}  // namespace mlpipe
