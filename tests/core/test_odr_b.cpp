#include <doctest/doctest.h>

#include <mlpipe/core.hpp>

int mlpipe_odr_a();

TEST_CASE("core headers link from two translation units") {
  CHECK((mlpipe_odr_a() == 0 || mlpipe_odr_a() == 1));
  CHECK(mlpipe::fingerprint_bytes("a", 1) == mlpipe::fingerprint_bytes("a", 1));
}
