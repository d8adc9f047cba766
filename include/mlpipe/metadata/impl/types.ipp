// mlpipe/metadata/impl/types.ipp: bodies of metadata/types.hpp's non-template functions (compiled once into libmlpipe
// by src/metadata.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/metadata/types.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace mlpipe::metadata {

MLPIPE_DECL std::string to_text(const value& v) {
  switch (v.index()) {
    case 0: return std::to_string(std::get<0>(v));
    case 1: {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", std::get<1>(v));
      std::string s = buf;
      // shortest text that reads back exactly
      for (int p = 6; p < 17; ++p) {
        std::snprintf(buf, sizeof buf, "%.*g", p, std::get<1>(v));
        if (std::strtod(buf, nullptr) == std::get<1>(v)) return buf;
      }
      return s;
    }
    case 2: return std::get<2>(v);
    default: return std::get<3>(v) ? "true" : "false";
  }
}

MLPIPE_DECL std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace mlpipe::metadata
