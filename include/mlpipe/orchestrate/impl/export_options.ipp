// mlpipe/orchestrate/impl/export_options.ipp: bodies of orchestrate/export_options.hpp's non-template functions
// (compiled once into libmlpipe by src/orchestrate.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <cctype>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include <mlpipe/orchestrate/export_options.hpp>

namespace mlpipe::orchestrate {

MLPIPE_DECL std::string image_command(const export_options& o) {
  auto slash = o.binary.rfind('/');
  return slash == std::string::npos ? o.binary : o.binary.substr(slash + 1);
}

MLPIPE_DECL std::string shell_quote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s)
    plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || std::string_view("@%+=:,./_-").find(c) != std::string_view::npos);
  if (plain) return std::string(s);
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

MLPIPE_DECL std::pair<std::string, std::string> split_set(const std::string& s) {
  auto eq = s.find('=');
  if (eq == std::string::npos) return {s, ""};
  return {s.substr(0, eq), s.substr(eq + 1)};
}

MLPIPE_DECL std::string set_parameter_name(const std::string& lhs) {
  std::string r = "set_";
  for (char c : lhs) r += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return r;
}

MLPIPE_DECL std::string dns_name(std::string_view s) {
  std::string r;
  for (char c : s) r += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c))) : '-';
  return r;
}

MLPIPE_DECL void to_yaml(const nlohmann::json& j, std::string& out, int indent) {
  auto pad = std::string(static_cast<std::size_t>(indent), ' ');
  auto key = [](const std::string& k) {
    bool plain = !k.empty();
    for (char c : k) plain = plain && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
    return plain ? k : nlohmann::json(k).dump();
  };
  auto scalar = [](const nlohmann::json& v) { return v.is_string() ? v.dump() : v.dump(); };
  auto inline_value = [](const nlohmann::json& v) {
    return !(v.is_object() || v.is_array()) || v.empty();
  };
  if (j.is_object()) {
    for (auto& [k, v] : j.items()) {
      out += pad + key(k) + ":";
      if (inline_value(v)) {
        out += " " + (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : scalar(v)) + "\n";
      } else {
        out += "\n";
        to_yaml(v, out, indent + 2);
      }
    }
  } else if (j.is_array()) {
    for (auto& v : j) {
      if (inline_value(v)) {
        out += pad + "- " + (v.is_object() ? std::string("{}") : v.is_array() ? std::string("[]") : scalar(v)) + "\n";
      } else {
        std::string inner;
        to_yaml(v, inner, indent + 2);
        // "- " takes the place of the first line's indentation
        out += pad + "- " + inner.substr(static_cast<std::size_t>(indent) + 2);
      }
    }
  } else {
    out += pad + scalar(j) + "\n";
  }
}

MLPIPE_DECL std::string to_yaml(const nlohmann::json& j) {
  std::string s;
  to_yaml(j, s, 0);
  return s;
}

}  // namespace mlpipe::orchestrate
