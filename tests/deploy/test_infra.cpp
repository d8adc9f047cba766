// infra_validate: the model served by a real `mlpipe serve` process answers the eval rows exactly as in-process
// (blessed); a server that cannot start, hangs or answers wrongly is a negative blessing with the reason, within
// the timeout, with no process left behind; push refuses a model without both blessings when given an infra blessing.
#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>

#include <sys/stat.h>

#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/infra_validate.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

namespace fs = std::filesystem;
using namespace mlpipe;

namespace {

struct trained {
  examples ex;
  transform_graph g;
  model m;
  model_blessing blessing;
};

trained train_on(const char* file, const char* label, bool softmax) {
  trained t;
  t.ex = test::load_examples(file, label);
  context ctx;
  t.g = fit_transform{}(t.ex, {}, ctx);
  t.m = softmax ? train<softmax_regression>{}(t.ex, t.g, {}, ctx) : train<logistic_regression>{}(t.ex, t.g, {}, ctx);
  t.blessing = evaluate{.thresholds = {at_least("accuracy", 0.8)}}(t.m, t.ex, t.g, {}, ctx).blessing;
  return t;
}

// An executable script in the scratch directory.
std::string script(const std::string& name, const std::string& text) {
  auto p = test::scratch_root() / name;
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
  fs::permissions(p, fs::perms::owner_all);
  return p.string();
}

std::int64_t record_int(const context& ctx, const std::string& key) {
  for (const auto& [k, v] : ctx.records())
    if (k == key) return std::get<std::int64_t>(v);
  FAIL("no record " << key);
  return -1;
}

}  // namespace

TEST_CASE("infra_validate: the model served by mlpipe serve answers exactly as in-process") {
  for (auto [file, label, softmax] : {std::tuple{"breast_cancer.csv", "diagnosis", false}, std::tuple{"iris.csv", "species", true}}) {
    CAPTURE(file);
    auto t = train_on(file, label, softmax);
    context ctx;
    const auto t0 = std::chrono::steady_clock::now();
    auto b = infra_validate{.server = MLPIPE_CLI, .requests = 3, .rows_per_request = 4}(t.m, t.g, t.ex, ctx);
    INFO(b.reason);
    CHECK(b.blessed);
    CHECK(b.requests == 3);
    CHECK(b.rows_checked == 12);
    CHECK(b.mismatches == 0);
    CHECK(b.clean_shutdown);
    CHECK(b.startup_ms > 0);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(20));
    CHECK(record_int(ctx, "infra_blessed") == 1);
    CHECK(record_int(ctx, "infra_rows_checked") == 12);

    // the artifact round-trips
    auto dir = test::fresh_dir(std::string("infra_artifact_") + label);
    b.save(dir);
    auto back = infra_blessing::load(dir);
    CHECK(back.blessed == b.blessed);
    CHECK(back.reason == b.reason);
    CHECK(back.fingerprint() == b.fingerprint());

    // both blessings: pushed; the same stage without an infra blessing (a pipeline without infra_validate)
    // pushes on the model blessing alone
    auto base = test::fresh_dir(std::string("infra_push_") + label);
    auto pushed = push{.base = base.string()}(t.m, t.g, t.blessing, optional_input<infra_blessing>(&b), ctx);
    CHECK(pushed.version == 1);
    CHECK(fs::exists(base / "1" / "manifest.json"));
    CHECK(push{.base = base.string()}(t.m, t.g, t.blessing, {}, ctx).version == 2);
  }
}

TEST_CASE("infra_validate: a server that fails, hangs or answers wrongly is not blessed, and push refuses") {
  auto t = train_on("breast_cancer.csv", "diagnosis", false);
  REQUIRE(t.blessing.blessed);
  auto base = test::fresh_dir("infra_refused");
  context ctx;

  SUBCASE("the server exits at once") {
    auto b = infra_validate{.server = "/bin/false", .timeout_seconds = 10}(t.m, t.g, t.ex, ctx);
    CHECK_FALSE(b.blessed);
    CHECK(b.reason.find("exited with status 1") != std::string::npos);
    CHECK(record_int(ctx, "infra_blessed") == 0);
    std::string why;
    try {
      push{.base = base.string()}(t.m, t.g, t.blessing, optional_input<infra_blessing>(&b), ctx);
    } catch (const push_error& e) {
      why = e.what();
    }
    CHECK(why.find("push refused: the model failed infra validation") != std::string::npos);
    CHECK(why.find("exited with status 1") != std::string::npos);
    CHECK(list_versions(base).empty());
    CHECK(record_int(ctx, "infra_blessed") == 0);
  }
  SUBCASE("the server never listens: the timeout ends it") {
    auto hang = script("hang.sh", "#!/bin/sh\nexec sleep 60\n");
    const auto t0 = std::chrono::steady_clock::now();
    auto b = infra_validate{.server = hang, .timeout_seconds = 1}(t.m, t.g, t.ex, ctx);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(5));
    CHECK_FALSE(b.blessed);
    CHECK(b.reason.find("did not listen within") != std::string::npos);
  }
  SUBCASE("the server answers differently from the in-process predictor") {
    auto liar = script("liar.sh", std::string("#!/bin/sh\nexec ") + MLPIPE_SYSTEM_PYTHON + " " + MLPIPE_SOURCE_DIR +
                                      "/tests/deploy/fake_server.py \"$@\"\n");
    auto b = infra_validate{.server = liar, .timeout_seconds = 20}(t.m, t.g, t.ex, ctx);
    INFO(b.reason);
    CHECK_FALSE(b.blessed);
    CHECK(b.rows_checked == 12);
    CHECK(b.mismatches == 12);
    CHECK(b.reason.find("answered differently") != std::string::npos);
  }
  SUBCASE("no such server executable fails the node") {
    CHECK_THROWS_AS(infra_validate{.server = "/no/such/mlpipe"}(t.m, t.g, t.ex, ctx), infra_error);
  }
  SUBCASE("an unblessed model is refused even with a positive infra blessing") {
    infra_blessing ok;
    ok.blessed = true;
    model_blessing no;
    no.reason = "auc = 0.5, expected auc >= 0.8";
    CHECK_THROWS_WITH_AS(push{.base = base.string()}(t.m, t.g, no, optional_input<infra_blessing>(&ok), ctx),
                         doctest::Contains("not blessed (auc = 0.5"), push_error);
    CHECK(list_versions(base).empty());
  }
}
