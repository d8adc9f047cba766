// src/deploy/http_server.cpp: mlpipe::http_server (mlpipe/deploy/http.hpp) on Boost.Beast and Boost.Asio, compiled
// once into mlpipe::serve so that no user of the header pays for Beast's templates.
//
// `workers` io_contexts, one thread each (connections are dealt to them in turn, as nginx deals them to its
// workers: no lock or wake-up between threads on a request's path). A connection is a chain of asynchronous
// operations on its thread:
// wait for the first byte (idle deadline), read headers and body (one read deadline, body capped by the parser
// whatever the transfer encoding), run the handler inline on the thread that completed the read, write the answer
// (write deadline), and wait again. A waiting connection holds a socket and a small buffer, never a thread, so
// threads only ever do work: `workers` bounds the handlers running at once.
#include <chrono>
#include <mlpipe/deploy/http.hpp>
#include <mlpipe/core/detail/percent_decode.hpp>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <unordered_map>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/serializer.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <nlohmann/json.hpp>

namespace mlpipe {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

namespace {

bool iequal(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [&](char x, char y) { return lower(x) == lower(y); });
}

std::string error_json(std::string_view message) {
  // replace, not throw: a message may quote a client's invalid UTF-8
  return nlohmann::json{{"error", message}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Appends `s` as the inside of a JSON string (control characters and bytes beyond ASCII as \u00XX: the access
// log's line stays valid JSON whatever a client sent as its path).
void json_escape(std::string& out, std::string_view s) {
  static constexpr char hex[] = "0123456789abcdef";
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') out += '\\', out += static_cast<char>(c);
    else if (c < 0x20 || c >= 0x7f) out += "\\u00", out += hex[c >> 4], out += hex[c & 15];
    else out += static_cast<char>(c);
  }
}

// A route pattern, split into literal text, {placeholders} and a final '*'.
struct pattern_part {
  enum kind_t { literal, param, rest } kind;
  std::string text;
};

std::vector<pattern_part> parse_pattern(const std::string& p) {
  std::vector<pattern_part> parts;
  std::size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '{') {
      auto close = p.find('}', i);
      if (close == std::string::npos) throw std::invalid_argument("route pattern '" + p + "': '{' without '}'");
      parts.push_back({pattern_part::param, p.substr(i + 1, close - i - 1)});
      i = close + 1;
    } else if (p[i] == '*') {
      if (i + 1 != p.size()) throw std::invalid_argument("route pattern '" + p + "': '*' must come last");
      parts.push_back({pattern_part::rest, {}});
      ++i;
    } else {
      auto next = p.find_first_of("{*", i);
      if (next == std::string::npos) next = p.size();
      parts.push_back({pattern_part::literal, p.substr(i, next - i)});
      i = next;
    }
  }
  return parts;
}

bool match_pattern(const std::vector<pattern_part>& parts, std::string_view path, std::vector<std::string>* params) {
  std::size_t at = 0;
  for (const auto& part : parts) {
    switch (part.kind) {
      case pattern_part::literal:
        if (path.substr(at, part.text.size()) != part.text) return false;
        at += part.text.size();
        break;
      case pattern_part::param: {
        auto end = path.find_first_of("/:", at);
        if (end == std::string_view::npos) end = path.size();
        if (end == at) return false;
        if (params) params->emplace_back(path.substr(at, end - at));
        at = end;
        break;
      }
      case pattern_part::rest:
        if (params) params->emplace_back(path.substr(at));
        at = path.size();
        break;
    }
  }
  return at == path.size();
}

}  // namespace

std::string_view http_request::header(std::string_view name) const {
  for (const auto& [k, v] : headers)
    if (iequal(k, name)) return v;
  return {};
}

std::optional<std::string> http_request::query_param(std::string_view name) const {
  std::string_view q = query;
  while (!q.empty()) {
    auto amp = q.find('&');
    auto item = q.substr(0, amp);
    q = amp == std::string_view::npos ? std::string_view{} : q.substr(amp + 1);
    auto eq = item.find('=');
    if (url_decode(item.substr(0, eq)) == name)
      return eq == std::string_view::npos ? std::string{} : url_decode(item.substr(eq + 1));
  }
  return std::nullopt;
}

std::string url_decode(std::string_view s, bool plus_is_space) { return detail::percent_decode(s, plus_is_space); }

void http_error(http_response& res, int status, std::string_view message) {
  res.status = status;
  res.content_type = "application/json";
  res.stream = nullptr;
  res.body = error_json(message);
}

struct http_server::impl {
  struct route_t {
    std::string method;
    std::vector<pattern_part> parts;
    http_handler handler;
  };
  class session;

  explicit impl(http_server_options o)
      : opt(std::move(o)), iocs(make_iocs(std::max<std::size_t>(1, opt.workers))), acceptor(*iocs[0]) {
    for (auto& c : iocs) guards.emplace_back(c->get_executor());  // a thread without connections keeps running
  }
  static std::vector<std::unique_ptr<net::io_context>> make_iocs(std::size_t n) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (std::size_t i = 0; i < n; ++i) v.push_back(std::make_unique<net::io_context>(1));
    return v;
  }

  http_server_options opt;
  std::vector<route_t> routes;
  // sessions known to stop(); declared before the io_context, so they outlive the handlers it destroys
  std::mutex sessions_m;
  std::unordered_map<std::uint64_t, std::weak_ptr<session>> sessions;
  std::uint64_t next_id = 0;
  bool stopping = false;  // under sessions_m
  std::atomic<bool> stopping_flag{false};
  std::atomic<std::size_t> open{0};
  std::mutex done_m;
  std::condition_variable done_cv;
  std::size_t threads_done = 0;
  std::vector<std::unique_ptr<net::io_context>> iocs;  // iocs[i] is run by threads[i] alone
  std::vector<net::executor_work_guard<net::io_context::executor_type>> guards;
  std::size_t next_ioc = 0;  // the acceptor's thread only
  tcp::acceptor acceptor;    // on iocs[0]
  std::unique_ptr<net::steady_timer> accept_retry;
  std::vector<std::thread> threads;
  int port = -1;
  bool started = false, stopped = false;

  void accept();
  void run_thread(net::io_context& ioc);
};

class http_server::impl::session : public std::enable_shared_from_this<session> {
 public:
  session(impl& srv, tcp::socket&& s, std::uint64_t id) : srv_(srv), id_(id), stream_(std::move(s)), buffer_(srv.opt.max_header_bytes + (64 << 10)) {
    ++srv_.open;
    beast::error_code ec;
    stream_.socket().set_option(tcp::no_delay(true), ec);  // small answers: no Nagle + delayed-ACK stall
    auto ep = stream_.socket().remote_endpoint(ec);
    if (!ec) remote_ = ep.address().to_string();
  }
  ~session() {
    {
      std::lock_guard lk(srv_.sessions_m);
      srv_.sessions.erase(id_);
    }
    --srv_.open;
  }

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->wait_for_request(); });
  }

  // stop(): a connection not in the middle of an answer closes now; one that is closes after it.
  void on_stop() {
    if (state_ != state::busy) close();
  }
  void post_stop() {
    net::post(stream_.get_executor(), [self = shared_from_this()] { self->on_stop(); });
  }

 private:
  enum class state { idle, reading, busy };

  void wait_for_request() {
    if (srv_.stopping_flag) return close();
    if (buffer_.size() > 0) return read_header();  // the next request is here already (pipelined)
    state_ = state::idle;
    if (buffer_.capacity() > (16 << 10)) buffer_.shrink_to_fit();  // an idle connection keeps a small buffer
    stream_.expires_after(srv_.opt.idle_timeout);
    stream_.async_read_some(buffer_.prepare(2048), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      self->buffer_.commit(n);
      if (ec) return self->close();
      self->read_header();
    });
  }

  void read_header() {
    state_ = state::reading;
    started_ = std::chrono::steady_clock::now();
    parser_.emplace();
    parser_->body_limit(srv_.opt.max_body_bytes);
    parser_->header_limit(static_cast<std::uint32_t>(srv_.opt.max_header_bytes));
    stream_.expires_after(srv_.opt.read_timeout);  // one deadline for the headers and the body
    http::async_read_header(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      const auto& req = self->parser_->get();
      if (iequal(req[http::field::expect], "100-continue") && !self->parser_->is_done()) {
        static constexpr std::string_view go = "HTTP/1.1 100 Continue\r\n\r\n";
        return net::async_write(self->stream_, net::buffer(go.data(), go.size()),
                                [self](beast::error_code ec2, std::size_t) {
                                  if (ec2) return self->close();
                                  self->read_body();
                                });
      }
      self->read_body();
    });
  }

  void read_body() {
    if (parser_->is_done()) return on_request();
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->on_read_error(ec);
      self->on_request();
    });
  }

  void on_read_error(beast::error_code ec) {
    if (ec == http::error::body_limit)
      return answer_error(413, "the request body is larger than the server's limit of " +
                                   std::to_string(srv_.opt.max_body_bytes) + " bytes");
    if (ec == http::error::header_limit || ec == http::error::buffer_overflow)
      return answer_error(431, "the request's headers are larger than the server's limit of " +
                                   std::to_string(srv_.opt.max_header_bytes) + " bytes");
    // the peer went away, a deadline passed (the stream closed itself) or the server stops: nothing to answer
    if (ec == http::error::end_of_stream || ec == http::error::partial_message || ec == beast::error::timeout ||
        ec == net::error::eof || ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == net::error::bad_descriptor || !stream_.socket().is_open())
      return close();
    answer_error(400, "malformed HTTP request: " + ec.message());
  }

  // An error found while reading: answered, then the connection closes (the rest of its bytes are unread).
  void answer_error(int status, const std::string& message) {
    state_ = state::busy;
    if (parser_ && parser_->is_header_done()) {
      method_ = std::string(parser_->get().method_string());
      path_ = std::string(parser_->get().target().substr(0, parser_->get().target().find('?')));
    } else {
      method_ = "-", path_ = "-";
    }
    request_bytes_ = 0;
    http::response<http::string_body> res{http::int_to_status(static_cast<unsigned>(status)), 11};
    res.set(http::field::content_type, "application/json");
    res.body() = error_json(message);
    res.keep_alive(false);
    write(std::move(res));
  }

  void on_request() {
    state_ = state::busy;
    stream_.expires_never();
    auto req = parser_->release();
    parser_.reset();
    http_request r;
    r.method = std::string(req.method_string());
    r.target = std::string(req.target());
    auto q = r.target.find('?');
    r.path = r.target.substr(0, q);
    if (q != std::string::npos) r.query = r.target.substr(q + 1);
    r.headers.reserve(8);
    for (const auto& f : req) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = std::move(req.body());
    r.remote = remote_;
    method_ = r.method;
    path_ = r.path;
    request_bytes_ = r.body.size();
    ++served_;
    keep_alive_ = req.keep_alive() && served_ < srv_.opt.keep_alive_requests;

    http_response out;
    const impl::route_t* found = nullptr;
    bool other_method = false;
    for (const auto& rt : srv_.routes) {
      if (!match_pattern(rt.parts, r.path, nullptr)) continue;
      if (rt.method != r.method) {
        other_method = true;
        continue;
      }
      found = &rt;
      match_pattern(rt.parts, r.path, &r.params);
      break;
    }
    if (!found) {
      http_error(out, other_method ? 405 : 404,
                 (other_method ? "method not allowed: " : "no such endpoint: ") + r.method + " " + r.path);
    } else {
      try {
        found->handler(r, out);
      } catch (const std::exception& e) {
        http_error(out, 500, std::string("internal error: ") + e.what());
      } catch (...) {
        http_error(out, 500, "internal error");
      }
    }
    if (out.stream) return start_stream(std::move(out), req.version());
    http::response<http::string_body> res{http::int_to_status(static_cast<unsigned>(out.status)), req.version()};
    if (res.result() == http::status::unknown) res.result(static_cast<unsigned>(out.status));
    res.set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) res.set(k, v);
    res.body() = std::move(out.body);
    res.keep_alive(keep_alive_);
    write(std::move(res));
  }

  void write(http::response<http::string_body>&& res) {
    res_ = std::move(res);
    res_.prepare_payload();
    status_ = res_.result_int();
    response_bytes_ = res_.body().size();
    keep_alive_ = res_.keep_alive();
    stream_.expires_after(srv_.opt.write_timeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      self->res_ = {};
      if (ec) return self->close();
      self->answered();
    });
  }

  // A streamed answer: the header, then one chunk per call of the handler's generator, then the last chunk.
  void start_stream(http_response&& out, unsigned version) {
    generate_ = std::move(out.stream);
    head_ = std::make_unique<http::response<http::empty_body>>(http::int_to_status(static_cast<unsigned>(out.status)), version);
    if (head_->result() == http::status::unknown) head_->result(static_cast<unsigned>(out.status));
    head_->set(http::field::content_type, out.content_type);
    for (const auto& [k, v] : out.headers) head_->set(k, v);
    head_->keep_alive(keep_alive_);
    head_->chunked(true);
    status_ = head_->result_int();
    response_bytes_ = 0;
    head_sr_ = std::make_unique<http::response_serializer<http::empty_body>>(*head_);
    stream_.expires_after(srv_.opt.write_timeout);
    http::async_write_header(stream_, *head_sr_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->next_piece();
    });
  }

  void next_piece() {
    piece_.clear();
    bool more = false;
    try {
      do more = generate_(piece_);
      while (more && piece_.empty());
    } catch (...) {
      return close();  // the status is sent already: a truncated chunked answer is what tells the client
    }
    response_bytes_ += piece_.size();
    frame_.clear();
    if (!piece_.empty()) {
      char size[20];
      frame_.append(size, static_cast<std::size_t>(std::snprintf(size, sizeof size, "%zx\r\n", piece_.size())));
      frame_ += piece_;
      frame_ += "\r\n";
    }
    if (!more) frame_ += "0\r\n\r\n";
    stream_.expires_after(srv_.opt.write_timeout);
    net::async_write(stream_, net::buffer(frame_), [self = shared_from_this(), more](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      if (more) return self->next_piece();
      self->generate_ = nullptr;
      self->head_sr_.reset();
      self->head_.reset();
      self->answered();
    });
  }

  void answered() {
    if (srv_.opt.access_log) srv_.opt.access_log(log_line());
    if (srv_.stopping_flag) return close();  // the answer was read whole: closing sends FIN, not a reset
    if (keep_alive_) return wait_for_request();
    linger_close();
  }

  std::string log_line() const {
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started_).count();
    char tail[160];
    std::snprintf(tail, sizeof tail, "\",\"request_bytes\":%zu,\"response_bytes\":%zu,\"ms\":%.3f}", request_bytes_,
                  response_bytes_, ms);
    std::string line;
    line.reserve(160 + path_.size());
    line += "{\"method\":\"";
    json_escape(line, method_);
    line += "\",\"path\":\"";
    json_escape(line, path_);
    line += "\",\"status\":" + std::to_string(status_) + ",\"remote\":\"";
    json_escape(line, remote_);
    line += tail;
    return line;
  }

  // After an answer with Connection: close: send FIN, then read and drop what the client still sends (for a
  // short while) before closing, so that closing with unread bytes does not reset the connection and destroy
  // the answer before the client has read it (a 413 sent while the client is still sending its body).
  void linger_close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return close();
    state_ = state::reading;
    stream_.expires_after(std::min<std::chrono::milliseconds>(srv_.opt.read_timeout, std::chrono::seconds(2)));
    buffer_.clear();
    drain();
  }
  void drain() {
    stream_.async_read_some(buffer_.prepare(16 << 10), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->drain();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  impl& srv_;
  std::uint64_t id_;
  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  std::function<bool(std::string&)> generate_;
  std::unique_ptr<http::response<http::empty_body>> head_;
  std::unique_ptr<http::response_serializer<http::empty_body>> head_sr_;
  std::string piece_, frame_;
  std::string remote_, method_, path_;
  std::chrono::steady_clock::time_point started_;
  std::size_t request_bytes_ = 0, response_bytes_ = 0, served_ = 0;
  unsigned status_ = 0;
  bool keep_alive_ = false;
  state state_ = state::idle;
};

void http_server::impl::accept() {
  auto& to = *iocs[next_ioc++ % iocs.size()];
  acceptor.async_accept(to, [this](beast::error_code ec, tcp::socket socket) {
    if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
    if (ec) {
      // out of descriptors and the like: try again shortly rather than spin
      accept_retry = std::make_unique<net::steady_timer>(acceptor.get_executor(), std::chrono::milliseconds(50));
      accept_retry->async_wait([this](beast::error_code) {
        if (acceptor.is_open()) accept();
      });
      return;
    }
    std::shared_ptr<session> s;
    {
      std::lock_guard lk(sessions_m);
      if (!stopping) {
        s = std::make_shared<session>(*this, std::move(socket), next_id);
        sessions.emplace(next_id++, s);
      }
    }
    if (s) s->start();
    accept();
  });
}

void http_server::impl::run_thread(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      break;
    } catch (const std::exception& e) {  // nothing of ours throws here; a library's bad_alloc must not end the thread
      std::fprintf(stderr, "mlpipe http_server: %s\n", e.what());
    }
  }
  {
    std::lock_guard lk(done_m);
    ++threads_done;
  }
  done_cv.notify_all();
}

http_server::http_server(http_server_options options) : impl_(std::make_unique<impl>(std::move(options))) {}

http_server::~http_server() { stop(); }

void http_server::route(std::string method, std::string pattern, http_handler handler) {
  if (impl_->started) throw std::logic_error("http_server::route after start()");
  impl_->routes.push_back({std::move(method), parse_pattern(pattern), std::move(handler)});
}

void http_server::start() {
  auto& m = *impl_;
  if (m.started) throw std::logic_error("http_server::start called twice");
  if (m.opt.port < 0 || m.opt.port > 65535) throw std::runtime_error("port " + std::to_string(m.opt.port) + " is not a TCP port (0 to 65535)");
  beast::error_code ec;
  tcp::endpoint ep;
  auto addr = net::ip::make_address(m.opt.host, ec);
  if (!ec) {
    ep = tcp::endpoint(addr, static_cast<unsigned short>(m.opt.port));
  } else {  // a host name: its first address
    tcp::resolver res(*m.iocs[0]);
    auto r = res.resolve(m.opt.host, std::to_string(m.opt.port), ec);
    if (ec || r.empty()) throw std::runtime_error("cannot resolve host '" + m.opt.host + "': " + ec.message());
    ep = r.begin()->endpoint();
  }
  const std::string where = m.opt.host + ":" + std::to_string(m.opt.port);
  m.acceptor.open(ep.protocol(), ec);
  if (!ec) m.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) m.acceptor.bind(ep, ec);
  if (ec) throw std::runtime_error("cannot bind " + where + " (" + ec.message() + ")");
  m.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen on " + where + " (" + ec.message() + ")");
  m.port = m.acceptor.local_endpoint().port();
  m.started = true;
  m.accept();
  const std::size_t n = std::max<std::size_t>(1, m.opt.workers);
  for (std::size_t i = 0; i < n; ++i) m.threads.emplace_back([&m, i] { m.run_thread(*m.iocs[i]); });
}

void http_server::stop() {
  auto& m = *impl_;
  if (!m.started || m.stopped) return;
  m.stopped = true;
  std::vector<std::shared_ptr<impl::session>> live;
  {
    std::lock_guard lk(m.sessions_m);
    m.stopping = true;
    m.stopping_flag = true;
    for (auto& [id, w] : m.sessions)
      if (auto s = w.lock()) live.push_back(std::move(s));
  }
  for (auto& g : m.guards) g.reset();  // each thread ends once its connections have
  net::post(m.acceptor.get_executor(), [&m] {
    beast::error_code ec;
    m.acceptor.close(ec);
    if (m.accept_retry) m.accept_retry->cancel();
  });
  for (auto& s : live) s->post_stop();
  live.clear();
  {
    std::unique_lock lk(m.done_m);
    if (!m.done_cv.wait_for(lk, m.opt.stop_timeout, [&] { return m.threads_done == m.threads.size(); }))
      for (auto& c : m.iocs) c->stop();
  }
  for (auto& t : m.threads) t.join();
}

int http_server::port() const noexcept { return impl_->port; }

std::size_t http_server::open_connections() const noexcept { return impl_->open.load(); }

}  // namespace mlpipe
