// The model server on a loopback port: predict in both request formats and version pinning give the
// predictor's answers; status, metadata and health endpoints; malformed requests are 4xx with a message;
// random bodies never crash it; a newly pushed version is picked up while requests keep succeeding.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/deploy/server.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

using namespace mlpipe;
using json = nlohmann::json;

namespace {

struct served {
  examples ex;
  transform_graph g;
  model m;
  std::filesystem::path base;
};

served setup_iris(const std::string& dir) {
  served s;
  s.ex = test::load_examples("iris.csv", "species");
  context ctx;
  s.g = fit_transform{}(s.ex, {}, ctx);
  s.m = train<softmax_regression>{}(s.ex, s.g, {}, ctx);
  s.base = test::fresh_dir(dir);
  push_bundle(s.base, s.g, s.m);
  return s;
}

json rows_as_objects(const table& t, std::size_t n) {
  json inst = json::array();
  for (std::size_t r = 0; r < n; ++r) {
    json o = json::object();
    for (const auto& name : t.names())
      if (name != "species") o[name] = t.col(name).values()[r];
    inst.push_back(o);
  }
  return inst;
}

}  // namespace

TEST_CASE("serve: predictions, formats, pinning, status, metadata, health and errors") {
  auto s = setup_iris("server");
  server_options o;
  o.model_base = s.base;
  o.name = "iris";
  o.port = 0;
  o.workers = 2;
  o.max_body_bytes = 64 * 1024;
  o.poll_interval = std::chrono::milliseconds(50);
  model_server server(o);
  server.start();
  REQUIRE(server.port() > 0);
  httplib::Client cli("127.0.0.1", server.port());

  predictor local(s.base / "1");
  const std::size_t n = 10;
  auto expected = local.predict_proba(s.ex.eval);

  SUBCASE("instances by name and in signature order agree with the predictor") {
    auto body = json{{"instances", rows_as_objects(s.ex.eval, n)}};
    auto r = cli.Post("/v1/models/iris:predict", body.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    auto a = json::parse(r->body);
    REQUIRE(a["predictions"].size() == n);
    for (std::size_t i = 0; i < n; ++i) {
      auto p = a["predictions"][i]["probabilities"].get<std::vector<double>>();
      for (std::size_t k = 0; k < 3; ++k) CHECK(p[k] == expected[i * 3 + k]);  // JSON round-trips doubles exactly
    }
    json arrays = json::array();
    for (std::size_t i = 0; i < n; ++i) {
      json row = json::array();
      for (const auto& in : local.manifest().inputs) row.push_back(s.ex.eval.col(in.name).values()[i]);
      arrays.push_back(row);
    }
    auto r2 = cli.Post("/v1/models/iris/versions/1:predict", json{{"instances", arrays}}.dump(), "application/json");
    REQUIRE(r2);
    CHECK(r2->status == 200);
    CHECK(json::parse(r2->body)["predictions"] == a["predictions"]);
  }
  SUBCASE("columnar inputs answer outputs") {
    json cols = json::object();
    for (const auto& in : local.manifest().inputs) {
      std::vector<double> v(s.ex.eval.col(in.name).values().begin(), s.ex.eval.col(in.name).values().begin() + n);
      cols[in.name] = v;
    }
    auto r = cli.Post("/v1/models/iris:predict", json{{"inputs", cols}}.dump(), "application/json");
    REQUIRE(r);
    CHECK(r->status == 200);
    auto a = json::parse(r->body);
    REQUIRE(a["outputs"]["class"].size() == n);
    auto pred = local.predict(s.ex.eval);
    for (std::size_t i = 0; i < n; ++i) CHECK(a["outputs"]["class"][i] == local.class_name(pred[i]));
  }
  SUBCASE("status, metadata, health") {
    auto r = cli.Get("/v1/models/iris");
    REQUIRE(r);
    CHECK(r->status == 200);
    auto st = json::parse(r->body)["model_version_status"];
    REQUIRE(st.size() == 1);
    CHECK(st[0]["version"] == "1");
    CHECK(st[0]["state"] == "AVAILABLE");
    auto md = cli.Get("/v1/models/iris/metadata");
    REQUIRE(md);
    CHECK(md->status == 200);
    auto sig = json::parse(md->body)["metadata"]["signature_def"];
    CHECK(sig["inputs"].size() == 4);
    CHECK(sig["output"]["classes"] == json({"setosa", "versicolor", "virginica"}));
    auto h = cli.Get("/healthz");
    REQUIRE(h);
    CHECK(h->status == 200);
    auto big = cli.Get("/v1/models/iris/versions/99999999999999999999999");
    REQUIRE(big);
    CHECK(big->status == 400);
  }
  SUBCASE("malformed requests are 4xx with an error message") {
    struct bad_case {
      std::string path, body;
      int status;
      std::string says;
    };
    std::vector<bad_case> cases = {
        {"/v1/models/iris:predict", "{not json", 400, "not valid JSON"},
        {"/v1/models/iris:predict", R"({"instances": [{"sepal_lenght": 1}]})", 400, "unknown feature 'sepal_lenght'"},
        {"/v1/models/iris:predict", R"({"instances": [[1, 2, 3]]})", 400, "model takes 4"},
        {"/v1/models/iris:predict", R"({"instances": [[1, 2, "three", 4]]})", 400, "expected a number"},
        {"/v1/models/iris:predict", R"({"instances": [[1, 2, [3], 4]]})", 400, "expected a number, a text or null"},
        {"/v1/models/iris:predict", R"({"rows": []})", 400, "instances"},
        {"/v1/models/iris:predict", R"([1, 2])", 400, "JSON object"},
        {"/v1/models/rose:predict", R"({"instances": [[1, 2, 3, 4]]})", 404, "no model named 'rose'"},
        {"/v1/models/iris/versions/7:predict", R"({"instances": [[1, 2, 3, 4]]})", 404, "version 7"},
        {"/v1/nothing", "{}", 404, "no such endpoint"},
        {"/v1/models/iris/versions/99999999999999999999999:predict", "{}", 400, "not a number"},
        {"/v1/models/iris:predict", std::string(100 * 1024, ' '), 413, "larger than"},
    };
    for (const auto& c : cases) {
      CAPTURE(c.body.substr(0, 60));
      auto r = cli.Post(c.path, c.body, "application/json");
      REQUIRE(r);
      CHECK(r->status == c.status);
      auto e = json::parse(r->body, nullptr, false);
      REQUIRE(e.is_object());
      CHECK(e["error"].get<std::string>().find(c.says) != std::string::npos);
    }
  }
  SUBCASE("random bodies never crash the server") {
    // a few thousand mutations of good requests (both formats), random bytes and deep nesting, over one
    // keep-alive connection so the test stays fast
    cli.set_keep_alive(true);
    cli.set_tcp_nodelay(true);  // headers and body go in two writes: Nagle + delayed ACK would add 40 ms each
    std::mt19937 rng(7);
    const std::string good[] = {json{{"instances", rows_as_objects(s.ex.eval, 2)}}.dump(),
                                json{{"instances", {{5.1, 3.5, 1.4, 0.2}, {6.0, 2.9, 4.5, 1.5}}}}.dump(),
                                json{{"inputs", {{"sepal_length", {5.1}}, {"sepal_width", {3.5}},
                                                 {"petal_length", {1.4}}, {"petal_width", {0.2}}}}}.dump()};
    int answered = 0, ok = 0;
    for (int i = 0; i < 3000; ++i) {
      std::string b;
      if (i % 50 == 49) {  // random bytes
        b.resize(rng() % 200 + 1);
        for (auto& c : b) c = static_cast<char>(rng() % 256);
      } else if (i % 100 == 98) {  // deep nesting (the parser must not recurse into a stack overflow)
        const std::size_t depth = 1000 + rng() % 20000;
        b = "{\"instances\": " + std::string(depth, '[') + std::string(depth, ']') + "}";
      } else {
        b = good[rng() % 3];
        for (int k = 0, m = static_cast<int>(rng() % 6) + 1; k < m; ++k) {
          auto pos = rng() % b.size();
          switch (rng() % 4) {
            case 0: b[pos] = static_cast<char>(rng() % 256); break;
            case 1: b.erase(pos, rng() % 8); break;
            case 2: b.insert(pos, 1, "{}[],:\"0-e.n"[rng() % 12]); break;
            default: b.insert(pos, std::to_string(static_cast<std::int32_t>(rng())) + "e" + std::to_string(rng() % 700)); break;
          }
          if (b.empty()) b.push_back('x');
        }
      }
      auto r = cli.Post("/v1/models/iris:predict", b, "application/json");
      REQUIRE(r);
      ++answered;
      ok += r->status == 200;
      if (r->status != 200 && r->status != 400) {  // only report failures (CHECK per request costs time)
        CAPTURE(b);
        CAPTURE(r->body);
        CHECK(r->status == 400);
      }
    }
    CHECK(answered == 3000);
    CHECK(ok > 0);  // some mutations stay valid requests
    auto h = cli.Get("/healthz");
    REQUIRE(h);
    CHECK(h->status == 200);
  }
  server.stop();
}

TEST_CASE("serve: a new version pushed under load is picked up with no failed request") {
  auto s = setup_iris("server_reload");
  server_options o;
  o.model_base = s.base;
  o.name = "iris";
  o.port = 0;
  o.workers = 2;
  o.poll_interval = std::chrono::milliseconds(20);
  model_server server(o);
  server.start();
  const auto body = json{{"instances", rows_as_objects(s.ex.eval, 3)}}.dump();

  std::atomic<bool> done{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < 2; ++c)
    clients.emplace_back([&] {
      httplib::Client cli("127.0.0.1", server.port());
      while (!done) {
        auto r = cli.Post("/v1/models/iris:predict", body, "application/json");
        (r && r->status == 200 ? ok : failed)++;
      }
    });
  context ctx;
  auto m2 = train<softmax_regression>{.l2 = 0.1}(s.ex, s.g, {}, ctx);  // a different model
  for (int v = 2; v <= 4; ++v) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    push_bundle(s.base, s.g, v % 2 ? s.m : m2);
  }
  // the watcher loads version 4 (and unloads the older ones: keep_versions = 1)
  httplib::Client cli("127.0.0.1", server.port());
  std::string version;
  for (int i = 0; i < 200 && version != "4"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto r = cli.Get("/v1/models/iris");
    if (r && r->status == 200) version = json::parse(r->body)["model_version_status"][0]["version"];
  }
  done = true;
  for (auto& t : clients) t.join();
  CHECK(version == "4");
  CHECK(server.loaded_versions() == std::vector<std::int64_t>{4});
  CHECK(ok > 0);
  CHECK(failed == 0);
  // version 4 is m2's bundle: its answers are the new model's
  auto r = cli.Post("/v1/models/iris:predict", body, "application/json");
  REQUIRE(r);
  predictor p4(s.base / "4");
  bool columnar = false;
  auto expected = prediction_json(p4, request_table(p4, json::parse(body), columnar), false);
  CHECK(json::parse(r->body) == expected);
  // a broken version is reported, the good one keeps serving
  std::filesystem::create_directories(s.base / "5");
  for (int i = 0; i < 100; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    auto st = cli.Get("/v1/models/iris");
    if (st && st->body.find("\"5\"") != std::string::npos) break;
  }
  auto st = json::parse(cli.Get("/v1/models/iris")->body)["model_version_status"];
  bool five_failed = false;
  for (const auto& e : st)
    if (e["version"] == "5") five_failed = e["state"] == "END" && e["status"]["error_message"].get<std::string>().find("manifest.json") != std::string::npos;
  CHECK(five_failed);
  auto h = cli.Get("/healthz");
  REQUIRE(h);
  CHECK(h->status == 200);
  server.stop();
}
