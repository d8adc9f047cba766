#include <doctest/doctest.h>

#ifndef MLPIPE_HEADER_ONLY
#error "this test is built in the header-only mode"
#endif

#include <mlpipe/mlpipe.hpp>

#include <string>

std::string mlpipe_header_only_a();

TEST_CASE("header-only mode: the library's bodies link from two translation units and agree") {
  auto t = mlpipe::read_csv_string("x,y\n1,a\n2,b\n3,a\n");
  auto st = mlpipe::compute_statistics(t, "train");
  auto s = mlpipe::infer_schema_from(st);
  CHECK(s.to_text() == mlpipe_header_only_a());
  CHECK(s.find("y") != nullptr);
  auto a = mlpipe::find_anomalies(st, s);
  CHECK(a.items.empty());
}
