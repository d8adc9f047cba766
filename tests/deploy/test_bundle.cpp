// Bundles, push and the predictor: train -> push -> load -> predict equals in-process predictions exactly
// (breast_cancer, iris); push refuses an unblessed model; an interrupted push leaves no visible version;
// damaged, truncated, foreign or newer-format bundle files are errors naming the file.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/data/csv.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/folded_model.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/deploy/push.hpp>
#include <mlpipe/evaluate/evaluate.hpp>
#include <mlpipe/evaluate/predict.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

namespace fs = std::filesystem;
using namespace mlpipe;
using mlpipe::test::fresh_dir;
using mlpipe::test::load_examples;

namespace {

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}
void write_all(const fs::path& p, const std::string& s) {
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << s;
}
std::string error_of(const fs::path& dir) {
  try {
    (void)load_bundle(dir);
  } catch (const bundle_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("deploy: train -> push -> load -> predict equals the in-process predictions exactly") {
  struct data_case {
    const char* file;
    const char* label;
    bool softmax;
  };
  for (auto dc : {data_case{"breast_cancer.csv", "diagnosis", false}, data_case{"iris.csv", "species", true}}) {
    CAPTURE(dc.file);
    auto ex = load_examples(dc.file, dc.label);
    context ctx;
    auto g = fit_transform{}(ex, {}, ctx);
    model m = dc.softmax ? train<softmax_regression>{}(ex, g, {}, ctx) : train<logistic_regression>{}(ex, g, {}, ctx);
    auto ev = evaluate{.thresholds = {at_least("accuracy", 0.8)}}(m, ex, g, {}, ctx);
    REQUIRE(ev.blessing.blessed);

    auto base = fresh_dir(std::string("roundtrip_") + dc.label);
    auto pushed = push{.base = base.string()}(m, g, ev.blessing, {}, ctx);
    CHECK(pushed.pushed);
    CHECK(pushed.version == 1);
    CHECK(fs::exists(base / "1" / "manifest.json"));

    predictor p(base / "1");
    CHECK(p.manifest().label == dc.label);
    CHECK(p.manifest().classes == m.classes);
    CHECK(p.manifest().task == (dc.softmax ? "multiclass" : "binary"));
    CHECK(p.manifest().inputs.size() == g.columns.size());

    // the in-process predictor (the trained transform and model in this process, never saved) against the
    // loaded bundle: bit-for-bit, on the folded path both take
    const predictor in_process(model_bundle{make_manifest(g, m), g, m, std::nullopt, {}});
    CHECK(p.folded());
    auto proba = p.predict_proba(ex.eval);
    CHECK(proba == in_process.predict_proba(ex.eval));
    CHECK(p.predict(ex.eval) == in_process.predict(ex.eval));
    // unfolded, the bundle gives the evaluator's predictions (training's transform + model code) bit-for-bit
    const predictor unfolded(base / "1", false);
    CHECK_FALSE(unfolded.folded());
    auto expected = predict_table(m, g, ex.eval);
    REQUIRE(proba.size() == expected.proba.size());
    CHECK(unfolded.predict_proba(ex.eval) == expected.proba);
    std::vector<double> classes(ex.eval.rows());
    {
      bound_transform tf(g, ex.eval);
      std::vector<double> x(ex.eval.rows() * g.width());
      m.predict(tf(ex.eval.view(0, ex.eval.rows()), x), classes);
    }
    CHECK(unfolded.predict(ex.eval) == classes);
    // and folded differs from it by rounding only
    for (std::size_t i = 0; i < proba.size(); ++i) CHECK(std::abs(proba[i] - expected.proba[i]) <= 1e-12);
    CHECK(p.predict(ex.eval) == classes);

    // one row by feature name gives what the row gives inside the table
    feature_row row;
    for (const auto& in : p.manifest().inputs) {
      const auto& c = ex.eval.col(in.name);
      if (c.kind() == column_kind::numeric) row[in.name] = c.values()[5];
      else row[in.name] = c.text(5);
    }
    auto one = p.predict_proba(row);
    CHECK(std::vector<double>(one) ==
          std::vector<double>(proba.begin() + 5 * static_cast<std::ptrdiff_t>(m.num_classes()),
                              proba.begin() + 6 * static_cast<std::ptrdiff_t>(m.num_classes())));

    // a second push is version 2; versions list ascending
    auto second = push{.base = base.string()}(m, g, ev.blessing, {}, ctx);
    CHECK(second.version == 2);
    CHECK(list_versions(base) == std::vector<std::int64_t>{1, 2});
  }
}

namespace {

// Scores of the training code: the transform's feature block, then the model.
std::vector<double> unfolded_scores(const model& m, const transform_graph& g, const table& t) {
  bound_transform tf(g, t);
  std::vector<double> x(t.rows() * g.width()), z(t.rows() * m.outputs);
  m.decision_function(tf(t.view(0, t.rows()), x), z);
  return z;
}

// Copies of a table's numeric column with every k-th value missing (from row `first`).
table with_missing(const table& t, const std::string& name, std::size_t k, std::size_t first) {
  table out;
  for (const auto& n : t.names()) {
    const column& c = t.col(n);
    if (n != name) {
      out.add(c);
      continue;
    }
    std::vector<double> v(c.values().begin(), c.values().end());
    std::vector<std::uint64_t> valid((v.size() + 63) / 64, ~std::uint64_t{0});
    for (std::size_t r = first; r < v.size(); r += k) {
      v[r] = std::numeric_limits<double>::quiet_NaN();
      valid[r / 64] &= ~(std::uint64_t{1} << (r % 64));
    }
    out.add(column::numeric(n, std::move(v), std::move(valid)));
  }
  return out;
}

}  // namespace

TEST_CASE("deploy: the folded transform scores as the transform + model within 1e-12 relative") {
  struct data_case {
    const char* file;
    const char* label;
    int kind;  // 0 logistic, 1 softmax, 2 linear
  };
  for (auto dc : {data_case{"breast_cancer.csv", "diagnosis", 0}, data_case{"iris.csv", "species", 1},
                  data_case{"randhie.csv", "mdvis", 2}, data_case{"fair.csv", "affairs", 2}}) {
    CAPTURE(dc.file);
    auto ex = load_examples(dc.file, dc.label);
    // a column with missing values in both splits: the transform imputes it (impute, then standardize)
    const std::string holey = ex.train.names()[1] == dc.label ? ex.train.names()[0] : ex.train.names()[1];
    ex.train = with_missing(ex.train, holey, 7, 3);
    ex.eval = with_missing(ex.eval, holey, 5, 1);
    context ctx;
    auto g = fit_transform{}(ex, {}, ctx);
    model m = dc.kind == 0   ? train<logistic_regression>{}(ex, g, {}, ctx)
              : dc.kind == 1 ? train<softmax_regression>{}(ex, g, {}, ctx)
                             : train<linear_regression>{}(ex, g, {}, ctx);
    const predictor p(model_bundle{make_manifest(g, m), g, m, std::nullopt, {}});
    REQUIRE(p.folded());
    auto folded = folded_model::fold(g, m);
    REQUIRE(folded);
    std::vector<double> z(ex.eval.rows() * m.outputs);
    REQUIRE(folded->decision_function(ex.eval, z));
    auto expected = unfolded_scores(m, g, ex.eval);
    // relative to the size of the row's terms (the sum may cancel to near zero)
    for (std::size_t r = 0; r < ex.eval.rows(); ++r) {
      bound_transform tf(g, ex.eval);
      std::vector<double> x(g.width());
      tf(ex.eval.view(r, r + 1), x);
      for (std::size_t o = 0; o < m.outputs; ++o) {
        double scale = std::abs(m.bias[o]);
        for (std::size_t j = 0; j < m.features; ++j) scale += std::abs(x[j] * m.weights[j * m.outputs + o]);
        CHECK(std::abs(z[r * m.outputs + o] - expected[r * m.outputs + o]) <= 1e-12 * scale);
      }
    }
    // a row alone gives the bits it gives inside the table
    auto all = p.predict(ex.eval);
    for (std::size_t r : {std::size_t{0}, std::size_t{1}, ex.eval.rows() / 2, ex.eval.rows() - 1}) {
      std::size_t idx[] = {r};
      CHECK(p.predict(ex.eval.take(idx))[0] == all[r]);
    }
  }
  SUBCASE("a missing value the transform does not impute is still an error naming the row and column") {
    auto ex = load_examples("iris.csv", "species");
    context ctx;
    auto g = fit_transform{}(ex, {}, ctx);
    auto m = train<softmax_regression>{}(ex, g, {}, ctx);
    for (auto& c : g.columns)  // a transform that does not impute
      std::erase_if(c.steps, [](const numeric_step& s) { return s.kind == numeric_step_kind::impute; });
    const predictor p(model_bundle{make_manifest(g, m), g, m, std::nullopt, {}});
    REQUIRE(p.folded());
    auto holes = with_missing(ex.eval, "petal_width", 1000, 7);
    std::string why;
    try {
      (void)p.predict_proba(holes);
    } catch (const transform_error& e) {
      why = e.what();
    }
    CHECK(why.find("row 7, column 'petal_width'") != std::string::npos);
    CHECK(why.find("missing") != std::string::npos);
  }
}

TEST_CASE("deploy: the predictor is safe for concurrent callers") {
  auto ex = load_examples("iris.csv", "species");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  auto dir = fresh_dir("concurrent") / "bundle";
  write_bundle(dir, g, m);
  const predictor p(dir);
  const auto expected = p.predict_proba(ex.eval);
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i)
        if (p.predict_proba(ex.eval) != expected) ++mismatches;
    });
  for (auto& t : threads) t.join();
  CHECK(mismatches == 0);
}

TEST_CASE("deploy: push refuses a model that is not blessed, and says why") {
  auto ex = load_examples("breast_cancer.csv", "diagnosis");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<logistic_regression>{}(ex, g, {}, ctx);
  auto ev = evaluate{.thresholds = {at_least("accuracy", 1.01)}}(m, ex, g, {}, ctx);  // impossible
  REQUIRE_FALSE(ev.blessing.blessed);
  auto base = fresh_dir("refuse");
  std::string why;
  try {
    push{.base = base.string()}(m, g, ev.blessing, {}, ctx);
  } catch (const push_error& e) {
    why = e.what();
  }
  CHECK(why.find("not blessed") != std::string::npos);
  CHECK(why.find("accuracy") != std::string::npos);  // the blessing's reason is passed on
  CHECK(list_versions(base).empty());
  // no thresholds at all: not blessed either
  auto none = evaluate{}(m, ex, g, {}, ctx);
  CHECK_THROWS_AS(push{.base = base.string()}(m, g, none.blessing, {}, ctx), push_error);
  CHECK(list_versions(base).empty());
}

TEST_CASE("deploy: a push interrupted midway leaves no visible version") {
  auto ex = load_examples("iris.csv", "species");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  auto base = fresh_dir("interrupted");
  model_blessing ok;
  ok.blessed = true;
  push{.base = base.string()}(m, g, ok, {}, ctx);  // version 1 exists

  fs::path seen_tmp;
  detail::push_before_publish_hook() = [&](const fs::path& tmp) {
    seen_tmp = tmp;
    CHECK(fs::exists(tmp / "manifest.json"));  // written completely, not yet published
    CHECK(list_versions(base) == std::vector<std::int64_t>{1});
    throw std::runtime_error("simulated crash");
  };
  CHECK_THROWS_WITH(push{.base = base.string()}(m, g, ok, {}, ctx), "simulated crash");
  detail::push_before_publish_hook() = nullptr;
  CHECK(list_versions(base) == std::vector<std::int64_t>{1});
  CHECK_FALSE(seen_tmp.empty());
  CHECK_FALSE(fs::exists(seen_tmp));  // cleaned up

  // a killed pusher leaves its hidden temporary directory (even a half-written one): never listed, never loaded
  fs::create_directories(base / ".tmp-push-999-dead" / "model");
  write_all(base / ".tmp-push-999-dead" / "model" / "model.json", "{\"format\": \"mlpi");
  CHECK(list_versions(base) == std::vector<std::int64_t>{1});
  auto next = push{.base = base.string()}(m, g, ok, {}, ctx);
  CHECK(next.version == 2);
  CHECK_NOTHROW(predictor(base / "2"));
}

TEST_CASE("deploy: damaged bundles are errors that name the file") {
  auto ex = load_examples("iris.csv", "species");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  auto root = fresh_dir("damaged");
  auto fresh = [&](const std::string& name) {
    auto d = root / name;
    write_bundle(d, g, m);
    return d;
  };

  SUBCASE("a truncated model file") {
    auto d = fresh("truncated");
    auto s = read_all(d / "model/model.json");
    write_all(d / "model/model.json", s.substr(0, s.size() / 2));
    auto e = error_of(d);
    CHECK(e.find("model/model.json") != std::string::npos);
    CHECK(e.find("truncated") != std::string::npos);
  }
  SUBCASE("a tampered weight (same length)") {
    auto d = fresh("tampered");
    auto s = read_all(d / "model/model.json");
    auto pos = s.find_first_of("123456789", s.find("\"weights\""));
    REQUIRE(pos != std::string::npos);
    s[pos] = s[pos] == '9' ? '8' : static_cast<char>(s[pos] + 1);
    write_all(d / "model/model.json", s);
    auto e = error_of(d);
    CHECK(e.find("model/model.json") != std::string::npos);
    CHECK(e.find("fingerprint") != std::string::npos);
  }
  SUBCASE("a foreign transform file") {
    auto d = fresh("foreign");
    write_all(d / "transform/transform_graph.json", "hello, I am not a transform\n");
    CHECK(error_of(d).find("transform/transform_graph.json") != std::string::npos);
  }
  SUBCASE("a missing file") {
    auto d = fresh("missing");
    fs::remove(d / "transform/transform_graph.json");
    CHECK(error_of(d).find("transform/transform_graph.json") != std::string::npos);
  }
  SUBCASE("a truncated or foreign manifest") {
    auto d = fresh("manifest");
    auto s = read_all(d / "manifest.json");
    write_all(d / "manifest.json", s.substr(0, s.size() - 20));
    CHECK(error_of(d).find("manifest.json") != std::string::npos);
    write_all(d / "manifest.json", "{\"format\": \"something.else\"}");
    CHECK(error_of(d).find("not an mlpipe model bundle") != std::string::npos);
  }
  SUBCASE("a bundle from a newer mlpipe") {
    auto d = fresh("newer");
    auto j = nlohmann::json::parse(read_all(d / "manifest.json"));
    j["format_version"] = 99;
    write_all(d / "manifest.json", j.dump());
    auto e = error_of(d);
    CHECK(e.find("manifest.json") != std::string::npos);
    CHECK(e.find("format version 99") != std::string::npos);
  }
  SUBCASE("a consistent swap: another model with its own manifest entry") {
    // the file fingerprints agree but the model is not the one the manifest's signature was made for
    auto d = fresh("swapped");
    auto other = m;
    other.weights[0] += 1.0;
    other.save(d / "model");
    auto man = nlohmann::json::parse(read_all(d / "manifest.json"));
    auto bytes = read_all(d / "model/model.json");
    for (auto& f : man["files"])
      if (f["path"] == "model/model.json") {
        f["bytes"] = bytes.size();
        f["fingerprint"] = fingerprint_hex(fingerprint_bytes(bytes.data(), bytes.size(), 0x62756e646c65ULL));
      }
    write_all(d / "manifest.json", man.dump());
    CHECK(error_of(d).find("model/model.json") != std::string::npos);
  }
  SUBCASE("an intact bundle loads") {
    CHECK(error_of(fresh("intact")).empty());
  }
}

TEST_CASE("deploy: rows that do not fit the signature are input errors") {
  auto ex = load_examples("iris.csv", "species");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  auto dir = fresh_dir("signature") / "b";
  write_bundle(dir, g, m);
  predictor p(dir);
  feature_row bad{{"sepal_lenght", 5.0}};
  CHECK_THROWS_AS(p.predict(bad), input_error);
  bool columnar = false;
  CHECK_THROWS_AS(request_table(p, nlohmann::json::parse(R"({"instances": [[1, 2]]})"), columnar), input_error);
  CHECK_THROWS_AS(request_table(p, nlohmann::json::parse(R"({"instances": [[1, 2, "x", 4]]})"), columnar), input_error);
  CHECK_THROWS_AS(request_table(p, nlohmann::json::parse(R"({"instances": []})"), columnar), input_error);
  auto t = request_table(p, nlohmann::json::parse(R"({"inputs": {"sepal_length": [5.1], "sepal_width": [3.5],
                                                       "petal_length": [1.4], "petal_width": [0.2]}})"),
                         columnar);
  CHECK(columnar);
  CHECK(p.class_name(p.predict(t)[0]) == "setosa");
}
