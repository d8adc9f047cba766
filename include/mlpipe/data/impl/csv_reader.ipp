// mlpipe/data/impl/csv_reader.ipp: bodies of data/csv_reader.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/data/csv_reader.hpp>

namespace mlpipe {

MLPIPE_DECL std::string detail::quote_for_message(std::string_view s) {
  std::string out = "'";
  std::size_t n = 0;
  for (char c : s) {
    if (++n > 40) {
      out += "...";
      break;
    }
    if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) {  // control bytes (a NUL would cut what())
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02X", static_cast<unsigned char>(c));
      out += hex;
    } else out += c;
  }
  return out + "'";
}

MLPIPE_DECL table read_csv(const std::filesystem::path& file, const csv_options& options) {
  return csv_reader(file, options).read_all();
}

MLPIPE_DECL table read_csv_string(std::string_view text, const csv_options& options, std::string name) {
  return csv_reader::from_string(text, options, std::move(name)).read_all();
}

MLPIPE_DECL std::map<std::string, column_kind> infer_csv_types(const std::filesystem::path& file, const csv_options& options) {
  csv_options o = options;
  o.read_buffer_bytes = std::min<std::size_t>(o.read_buffer_bytes, std::size_t{1} << 20);
  csv_reader r(file, o);
  std::map<std::string, column_kind> m;
  for (std::size_t j = 0; j < r.num_columns(); ++j) m[r.names()[j]] = r.kinds()[j];
  return m;
}

}  // namespace mlpipe
