// Loaded artifacts are checked against what their code later assumes: a transform that would write outside its
// buffer, a model whose shapes wrap around, a manifest that disagrees with its files, malformed fields and absurd
// versions are refused with the file and the field named (never a crash, a sanitizer report or a raw type_error).
#include <doctest/doctest.h>

#include <fstream>
#include <string>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/blessing.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>
#include <mlpipe/validate/statistics.hpp>

#include "deploy_test_util.hpp"

namespace fs = std::filesystem;
using namespace mlpipe;

namespace {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "";
}

struct fitted {
  transform_graph g;
  model m;
};
const fitted& iris() {
  static const fitted f = [] {
    auto ex = test::load_examples("iris.csv", "species");
    context ctx;
    auto g = fit_transform{}(ex, {}, ctx);
    return fitted{g, train<softmax_regression>{}(ex, g, {}, ctx)};
  }();
  return f;
}

}  // namespace

TEST_CASE("artifacts: a numeric column encoded one_hot is refused at load, never written before its buffer") {
  auto j = iris().g.to_json();
  j["columns"][3]["encoding"] = "one_hot";  // the last column: the one that once scored silently wrong
  j["columns"][3]["vocabulary"] = nlohmann::json::array();
  auto e = error_of([&] { (void)transform_graph::from_json(j, "dir/transform_graph.json"); });
  CHECK(e.find("dir/transform_graph.json: column 'petal_width' (columns[3]): a numeric column is encoded as "
               "\"value\" or \"bucket_one_hot\", not \"one_hot\"") == 0);

  // a bundle holding it (fingerprints consistent: written by write_bundle) is refused by load_bundle, so the
  // server never reports it AVAILABLE
  auto bad = iris().g;
  bad.columns[3].encoding = feature_encoding::one_hot;
  bad.finalize();
  auto dir = test::fresh_dir("artifacts") / "one_hot";
  auto m = iris().m;
  (void)bad.width();
  write_bundle(dir, iris().g, m);
  bad.save(dir / "transform");
  auto bytes = detail::read_file_bytes(dir / "transform/transform_graph.json");
  auto man = nlohmann::json::parse(detail::read_file_bytes(dir / "manifest.json"));
  for (auto& f : man["files"])
    if (f["path"] == "transform/transform_graph.json") {
      f["bytes"] = bytes.size();
      f["fingerprint"] = fingerprint_hex(fingerprint_bytes(bytes.data(), bytes.size(), 0x62756e646c65ULL));
    }
  std::ofstream(dir / "manifest.json") << man.dump();
  auto le = error_of([&] { (void)load_bundle(dir); });
  CHECK(le.find("transform/transform_graph.json: column 'petal_width'") != std::string::npos);

  // other encodings the kernels cannot apply
  auto refused = [&](auto edit) {
    auto k = iris().g.to_json();
    edit(k);
    return error_of([&] { (void)transform_graph::from_json(k, "t.json"); });
  };
  CHECK(refused([](auto& k) { k["columns"][0]["encoding"] = "bucket_one_hot", k["columns"][0]["slots"] = 3; })
            .find("needs a bucketize step") != std::string::npos);
  CHECK(refused([](auto& k) { k["columns"][0]["encoding"] = "hashed", k["columns"][0]["slots"] = 3; })
            .find("not \"hashed\"") != std::string::npos);
  CHECK(refused([](auto& k) { k["columns"][1]["column"] = k["columns"][0]["column"]; }).find("comes twice") !=
        std::string::npos);
  CHECK(refused([](auto& k) {
          k["columns"][0]["steps"] = nlohmann::json::parse(R"([{"kind":"bucketize","a":0,"b":0,"boundaries":[2,1]}])");
          k["columns"][0]["encoding"] = "bucket_one_hot", k["columns"][0]["slots"] = 3;
        }).find("strictly ascending") != std::string::npos);
}

TEST_CASE("artifacts: malformed fields name the file and the field; absurd numbers are refused, not converted") {
  auto mj = iris().m.to_json();
  auto model_error_of = [&](auto edit) {
    auto k = mj;
    edit(k);
    return error_of([&] { (void)model::from_json(k, "m/model.json"); });
  };
  CHECK(model_error_of([](auto& k) { k["features"] = "four"; }) ==
        "m/model.json: field \"features\" must be a whole number from 0 to 4294967295, got \"four\"");
  CHECK(model_error_of([](auto& k) { k["weights"] = "heavy"; }).find("m/model.json: field \"weights\": ") == 0);
  CHECK(model_error_of([](auto& k) { k["kind"] = 3; }).find("m/model.json: field \"kind\": ") == 0);
  CHECK(model_error_of([](auto& k) { k["version"] = 1e300; }) ==
        "m/model.json: model format version 1e+300 is not supported (this mlpipe reads version 1)");
  CHECK(model_error_of([](auto& k) { k["features"] = -1.5; }).find("field \"features\" must be a whole number") !=
        std::string::npos);
  CHECK(model_error_of([](auto& k) { k["features"] = -4; }).find("field \"features\" must be a whole number") !=
        std::string::npos);
  // features * outputs that would wrap around to the weights' size
  CHECK(model_error_of([](auto& k) { k["features"] = 4294967295u; }).find("weights for") != std::string::npos);

  auto tj = iris().g.to_json();
  auto tk = tj;
  tk["columns"][0]["encoding"] = "bucket_one_hot";
  tk["columns"][0]["slots"] = -1.5;
  CHECK(error_of([&] { (void)transform_graph::from_json(tk, "t.json"); })
            .find("t.json: columns[0]: field \"slots\" must be a whole number") == 0);
  tk = tj;
  tk["version"] = -1e300;
  CHECK(error_of([&] { (void)transform_graph::from_json(tk, "t.json"); }).find("version -1e+300 is not supported") !=
        std::string::npos);
  tk = tj;
  tk["columns"][2]["steps"][0]["a"] = "x";
  CHECK(error_of([&] { (void)transform_graph::from_json(tk, "t.json"); })
            .find("t.json: columns[2].steps[0]: field \"a\": ") == 0);

  // blessing and statistics: a version that is no integer, a format that is no text
  CHECK(error_of([] { (void)model_blessing::from_json(nlohmann::json::parse(R"({"format":"mlpipe.ModelBlessing"})")); })
            .find("ModelBlessing version null is not supported") != std::string::npos);
  CHECK(error_of([] { (void)model_blessing::from_json(nlohmann::json::parse(R"({"format":[[[1]]]})")); })
            .find("format field is [[[1]]]") != std::string::npos);
  CHECK(error_of([] {
          (void)example_statistics::from_json(nlohmann::json::parse(R"({"format":"mlpipe.statistics","version":1e300})"));
        }).find("unsupported statistics version 1e+300") != std::string::npos);
}

TEST_CASE("artifacts: a file nesting 100,000 arrays is refused before anything copies a part of it") {
  auto dir = test::fresh_dir("artifacts") / "deep";
  iris().m.save(dir);
  auto text = detail::read_file_bytes(dir / "model.json");
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  text.insert(text.rfind('}'), ", \"training_extra\": " + deep);  // a field the loader copies whole
  std::ofstream(dir / "model.json", std::ios::trunc) << text;
  CHECK(error_of([&] { (void)model::load(dir); }).find("model.json: nested deeper than 64 levels") != std::string::npos);
  // the same text in a string is no nesting
  CHECK_FALSE(detail::json_nests_deeper("[\"" + deep + "\"]", 64));
  CHECK(detail::json_nests_deeper(deep, 64));
}

TEST_CASE("artifacts: a manifest that disagrees with its model and transform is refused") {
  auto dir = test::fresh_dir("artifacts") / "manifest";
  write_bundle(dir, iris().g, iris().m);
  auto man = nlohmann::json::parse(detail::read_file_bytes(dir / "manifest.json"));
  auto with = [&](auto edit) {
    auto k = man;
    edit(k);
    std::ofstream(dir / "manifest.json", std::ios::trunc) << k.dump();
    return error_of([&] { (void)load_bundle(dir); });
  };
  CHECK(with([](auto& k) { k["signature"]["inputs"][0]["type"] = "categorical"; })
            .find("signature input 'sepal_length' does not match") != std::string::npos);
  CHECK(with([](auto& k) { k["signature"]["inputs"].erase(1); }).find("signature's inputs") != std::string::npos);
  CHECK(with([](auto& k) { k["signature"]["output"]["classes"][0] = "rose"; }).find("classes") != std::string::npos);
  CHECK(with([](auto& k) { k["task"] = "regression"; }).find("\"task\" does not match") != std::string::npos);
  CHECK(with([](auto& k) { k["features"] = -3; }).find("field \"features\" must be a whole number") != std::string::npos);
  CHECK(with([](auto&) {}).empty());
}

TEST_CASE("artifacts: only canonical version numbers are versions (\"007\" is not version 7)") {
  auto base = test::fresh_dir("artifacts") / "versions";
  for (auto v : {"007", "3", "0", "12", "x1"}) fs::create_directories(base / v);
  CHECK(list_versions(base) == std::vector<std::int64_t>{3, 12});
}
