// Request bodies that attack the predictor's parsing: 100,000 nested arrays in every body shape get an
// input_error (the server's 400) with a short message, never a stack overflow; huge values are cut in errors.
#include <doctest/doctest.h>

#include <string>

#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/context.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/predictor.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/fit_transform.hpp>

#include "deploy_test_util.hpp"

using namespace mlpipe;

namespace {

std::string nested(std::size_t depth) { return std::string(depth, '[') + "1" + std::string(depth, ']'); }

// The input_error's message for a body; "" when it parsed into a table.
std::string error_of(const predictor& p, const std::string& body) {
  bool columnar = false;
  try {
    (void)request_table(p, std::string_view(body), columnar);
  } catch (const input_error& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("request: 100,000 nested arrays in any body shape are an input error, not a crash") {
  auto ex = test::load_examples("iris.csv", "species");
  context ctx;
  auto g = fit_transform{}(ex, {}, ctx);
  auto m = train<softmax_regression>{}(ex, g, {}, ctx);
  auto dir = test::fresh_dir("request") / "b";
  write_bundle(dir, g, m);
  predictor p(dir);
  const auto deep = nested(100'000);
  const std::string bodies[] = {
      R"({"instances":[{"sepal_length":)" + deep + "}]}",                      // a feature value of a row object
      R"({"instances":[[5.1, 3.5, 1.4, )" + deep + "]]}",                      // a value of an array row
      R"({"instances":[)" + deep + "]}",                                       // the row itself
      R"({"inputs":{"sepal_length":[)" + deep + "]}}",                         // a columnar value
      R"({"inputs":{"sepal_length":)" + deep + "}}",                           // a column
      R"({"instances":[{"no_such_feature":)" + deep + "}]}",                   // an unknown key
      R"({"instances":[{"sepal_length":5}], "extra":)" + deep + "}",           // beside the request
      deep,                                                                    // the whole body
      std::string(100'000, '[') + "1",                                         // not even JSON
      std::string(100'000, '{'),
  };
  for (const auto& b : bodies) {
    auto e = error_of(p, b);
    INFO(b.substr(0, 60));
    INFO(e);
    // every shape but the harmless extra key is refused, with a message of bounded size
    if (b.find("\"extra\"") != std::string::npos) {
      CHECK(e.empty());
    } else {
      CHECK(!e.empty());
      CHECK(e.size() < 400);
    }
  }
  CHECK(error_of(p, bodies[0]).find("instance 0, feature 'sepal_length': expected a number, a text or null, got array "
                                    "[[[[") != std::string::npos);
  CHECK(error_of(p, bodies[3]).find("inputs 'sepal_length', value 0") != std::string::npos);
  CHECK_MESSAGE(error_of(p, bodies[5]).find("unknown feature 'no_such_feature'") != std::string::npos, error_of(p, bodies[5]));
  CHECK(error_of(p, bodies[8]).find("not valid JSON") != std::string::npos);
}

TEST_CASE("request: error messages show at most a short excerpt of a value") {
  CHECK(detail::json_excerpt(nlohmann::json::parse(nested(100'000)), 10) == "[[[[[[[[[[...");
  CHECK(detail::json_excerpt(nlohmann::json(std::string(100'000'000, 'x')), 5) == "\"xxxx...");
  CHECK(detail::json_excerpt(nlohmann::json::parse(R"({"a":[1,2,{"b":null}],"c":"d"})")) ==
        R"({"a":[1,2,{"b":null}],"c":"d"})");
  CHECK(detail::json_excerpt(nlohmann::json::parse("[]")) == "[]");
  CHECK(detail::json_excerpt(nlohmann::json(3.5)) == "3.5");
}
