// mlpipe/core/impl/run_options.ipp: the body of make_run_id (inline in the header-only mode, compiled into
// libmlpipe otherwise), so that run_options.hpp needs neither <random> nor <chrono>.
#pragma once

#include <chrono>
#include <ctime>
#include <random>

#include <mlpipe/core/run_options.hpp>

namespace mlpipe {

MLPIPE_DECL std::string make_run_id() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::random_device rd;
  auto suffix = fingerprint_hex((std::uint64_t{rd()} << 32) ^ rd()).substr(0, 6);
  return std::string(buf) + "-" + suffix;
}

}  // namespace mlpipe
