// mlpipe/core/json_file.hpp: how artifacts keep themselves as JSON files: written whole or not at all, read back
// with errors that name the file, and fingerprinted from their canonical text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_text.hpp>

namespace mlpipe::detail {

/// Runs `write`, which writes `file`; when it throws, removes `file` before passing the error on: on a full disk
/// a partial file would keep the disk full and could pass for an artifact.
template <class F>
void removing_on_failure(const std::filesystem::path& file, F&& write) {
  try {
    write();
  } catch (...) {
    std::error_code ec;
    std::filesystem::remove(file, ec);
    throw;
  }
}

/// Writes `text` to `file` whole (the file is removed when a write fails); `Error` is what the caller throws.
template <class Error = std::runtime_error>
void write_text_file(const std::filesystem::path& file, std::string_view text) {
  removing_on_failure(file, [&] {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (out) out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();  // a full disk often shows only when the last buffer goes out
    if (!out) throw Error(file.string() + ": write failed (disk full or read-only?)");
  });
}

/// Writes `j` to `file` (creating its directory); `Error` is what the caller's area throws.
/// The observer saves artifacts under a temporary name and renames them, so a partial file is never seen.
template <class Error = std::runtime_error>
void write_json_file(const std::filesystem::path& file, const nlohmann::json& j, int indent = 2) {
  if (file.has_parent_path()) std::filesystem::create_directories(file.parent_path());
  write_text_file<Error>(file, detail::json_dump(j, indent) + '\n');
}

/// Deepest nesting of arrays and objects an artifact file may have (ours nest a handful of levels).
inline constexpr std::size_t max_artifact_depth = 64;

/// Whether JSON text nests arrays and objects deeper than `max`, from a scan of its bytes (strings skipped).
/// nlohmann parses and destroys iteratively, but copying a value (value(), get<json>()) recurses: a file that
/// nests 100,000 arrays must be refused before anything copies a part of it.
inline bool json_nests_deeper(std::string_view text, std::size_t max) {
  std::size_t depth = 0;
  bool in_string = false, escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max) return true;
    } else if ((c == ']' || c == '}') && depth > 0) {
      --depth;
    }
  }
  return false;
}

/// An artifact's JSON text -> JSON: errors name `where` (the file), for nesting beyond max_artifact_depth and
/// for text that is not JSON (with nlohmann's byte position).
template <class Error = std::runtime_error>
nlohmann::json parse_json_text(std::string_view text, const std::string& where) {
  if (json_nests_deeper(text, max_artifact_depth))
    throw Error(where + ": nested deeper than " + std::to_string(max_artifact_depth) +
                " levels (not an mlpipe artifact)");
  try {
    return detail::json_parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(where + ": not valid JSON: " + e.what());
  }
}

/// Reads a JSON file. `missing` says what the reader expected there ("no ModelBlessing there"), for the error
/// when the file cannot be opened; a parse error names the file and nlohmann's byte position.
template <class Error = std::runtime_error>
nlohmann::json read_json_file(const std::filesystem::path& file, std::string_view missing) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open (" + std::string(missing) + ")");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) throw Error(file.string() + ": read failed");
  return parse_json_text<Error>(text, file.string());
}

/// Reads and converts with `from_json`, adding the file's name to an error the conversion throws (unless the
/// message already starts with it).
template <class Error = std::runtime_error, class F>
auto load_json_file(const std::filesystem::path& file, std::string_view missing, F&& from_json) {
  auto j = read_json_file<Error>(file, missing);
  try {
    return from_json(j);
  } catch (const std::exception& e) {
    const auto name = file.string();
    if (std::string_view(e.what()).starts_with(name)) throw;
    throw Error(name + ": " + e.what());
  }
}

/// At most about `max` characters of `j`'s JSON text, "..." when cut: for error messages about a value that came
/// from outside. Iterative (nlohmann's dump() recurses, and a request or file may nest arrays 100,000 deep) and
/// stops as soon as it has enough, whatever the value's size.
inline std::string json_excerpt(const nlohmann::json& j, std::size_t max = 80) {
  using json = nlohmann::json;
  std::string out;
  struct frame {
    const json* node;
    json::const_iterator it;
    bool first;
  };
  std::vector<frame> stack;
  auto scalar = [&](const json& v) {
    if (v.is_string()) {  // cut the text before escaping it: a 100 MB string is not copied
      const auto& s = v.get_ref<const std::string&>();
      out += detail::json_dump(json(s.substr(0, max)), -1, true);
    } else {
      out += detail::json_dump(v);
    }
  };
  auto open = [&](const json& v) {
    if (v.is_array() || v.is_object()) {
      out += v.is_array() ? '[' : '{';
      stack.push_back({&v, v.cbegin(), true});
    } else {
      scalar(v);
    }
  };
  open(j);
  while (!stack.empty() && out.size() <= max) {
    frame& f = stack.back();
    if (f.it == f.node->cend()) {
      out += f.node->is_array() ? ']' : '}';
      stack.pop_back();
      continue;
    }
    if (!f.first) out += ',';
    f.first = false;
    const json& v = *f.it;
    if (f.node->is_object()) out += detail::json_dump(json(f.it.key()), -1, true) + ':';
    ++f.it;
    open(v);  // may push: `f` is not used after this
  }
  if (out.size() > max || !stack.empty()) {
    out.resize(std::min(out.size(), max));
    out += "...";
  }
  return out;
}

/// An integer field of an artifact as a count (0 <= value <= limit): a float, a negative or an absurd number is
/// refused by name instead of being converted (a float-to-integer conversion out of range is undefined).
template <class Error = std::runtime_error>
std::uint64_t json_count(const nlohmann::json& j, const std::string& field, const std::string& where,
                         std::uint64_t limit = std::numeric_limits<std::uint32_t>::max()) {
  auto it = j.find(field);
  if (it == j.end()) throw Error(where + ": field \"" + field + "\" is missing");
  if (!it->is_number_integer() || (it->is_number_integer() && !it->is_number_unsigned() && it->get<std::int64_t>() < 0) ||
      it->get<std::uint64_t>() > limit)
    throw Error(where + ": field \"" + field + "\" must be a whole number from 0 to " + std::to_string(limit) +
                ", got " + json_excerpt(*it));
  return it->get<std::uint64_t>();
}

/// A field of an artifact converted to T; an error naming the file (`where`), the field, what was expected and
/// an excerpt of what is there, instead of the JSON library's bare type_error. Counts: json_count.
template <class T, class Error = std::runtime_error>
T json_field(const nlohmann::json& j, const std::string& field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end()) throw Error(where + ": field \"" + field + "\" is missing");
  try {
    return it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    std::string what = e.what();
    if (auto p = what.find("] "); p != std::string::npos) what.erase(0, p + 2);  // "[json.exception.type_error.302] "
    throw Error(where + ": field \"" + field + "\": " + what + " (got " + json_excerpt(*it) + ")");
  }
}

/// Whether `j` is an object whose "format" is `format` (value() would throw on a non-object or a non-text).
inline bool json_format_is(const nlohmann::json& j, std::string_view format) {
  if (!j.is_object()) return false;
  auto it = j.find("format");
  return it != j.end() && it->is_string() && it->get_ref<const std::string&>() == format;
}
/// What stands in a file's "format" field, for the error when it is not the expected one.
inline std::string json_format_shown(const nlohmann::json& j) {
  if (!j.is_object()) return "absent: the file is not a JSON object";
  auto it = j.find("format");
  return it == j.end() ? std::string("missing") : json_excerpt(*it, 60);
}

/// What stands in an artifact's "version" field, for the error when it is not one this mlpipe reads.
inline std::string json_version_shown(const nlohmann::json& j) {
  if (!j.is_object()) return "null";
  auto it = j.find("version");
  return it == j.end() ? std::string("null") : json_excerpt(*it, 60);
}

/// An array field of an artifact, by reference (no copy); an error naming the file and the field otherwise.
template <class Error = std::runtime_error>
const nlohmann::json& json_array(const nlohmann::json& j, const std::string& field, const std::string& where) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_array()) throw Error(where + ": field \"" + field + "\" must be an array");
  return *it;
}

/// The artifact's "version" when it is a whole number, nullopt otherwise (absent, text, 1e300, 1.5).
inline std::optional<std::int64_t> json_version(const nlohmann::json& j) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find("version");
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  if (it->is_number_unsigned() && it->get<std::uint64_t>() > std::uint64_t(std::numeric_limits<std::int64_t>::max()))
    return std::nullopt;
  return it->get<std::int64_t>();
}

/// Hash of the canonical JSON text (keys sorted; nlohmann prints doubles shortest round-trip exact).
inline std::uint64_t json_fingerprint(const nlohmann::json& j, std::uint64_t seed) {
  auto text = detail::json_dump(j);
  return fingerprint_bytes(text.data(), text.size(), seed);
}

}  // namespace mlpipe::detail
