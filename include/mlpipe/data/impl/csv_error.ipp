// mlpipe/data/impl/csv_error.ipp: bodies of data/csv_error.hpp's non-template functions (compiled once into
// libmlpipe by src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/data/csv_error.hpp>

namespace mlpipe {

MLPIPE_DECL std::string csv_error::format(const std::filesystem::path& file, std::size_t line, std::size_t column,
                                          std::size_t field_index, const std::string& field,
                                          const std::string& expected, const std::string& found) {
  std::string s = file.string();
  if (line) s += ":" + std::to_string(line);
  if (line && column) s += ":" + std::to_string(column);
  s += ": ";
  if (field_index) {
    s += "field " + std::to_string(field_index);
    if (!field.empty()) s += " '" + field + "'";
    s += ": ";
  }
  s += "expected " + expected;
  if (!found.empty()) s += ", found " + found;
  return s;
}

}  // namespace mlpipe
