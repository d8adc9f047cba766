// mlpipe/data/impl/examples.ipp: bodies of data/examples.hpp's non-template functions (compiled once into libmlpipe by
// src/data.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>
#include <mlpipe/data/examples.hpp>

namespace mlpipe {

MLPIPE_DECL table examples::all() const {
  table t = train;
  t.append(eval);
  return t;
}

MLPIPE_DECL const table& examples::split(std::string_view name) const {
  if (name == "train") return train;
  if (name == "eval") return eval;
  throw table_error("no split named '" + std::string(name) + "' (splits: train, eval)");
}

MLPIPE_DECL std::uint64_t examples::fingerprint() const {
  hasher h(0x6578616d706c6573ULL);
  train.hash_into(h);
  eval.hash_into(h);
  h.update_value(static_cast<std::uint8_t>(baseline.has_value()));
  if (baseline) baseline->hash_into(h);
  h.update(std::string_view(label));
  h.update_value(span);
  return h.digest();
}

MLPIPE_DECL void examples::save(const std::filesystem::path& dir) const {
  std::filesystem::create_directories(dir);
  train.save(dir / "train.mlt");
  eval.save(dir / "eval.mlt");
  if (baseline) baseline->save(dir / "baseline.mlt");
  nlohmann::json j{{"format", "mlpipe.examples"},
                   {"version", 1},
                   {"label", label},
                   {"span", span},
                   {"files", files},
                   {"input_fingerprint", fingerprint_hex(input_fingerprint)},
                   {"rows", {{"train", train.rows()}, {"eval", eval.rows()}}},
                   {"baseline", baseline.has_value()}};
  detail::removing_on_failure(dir / "examples.json", [&] {
    std::ofstream out(dir / "examples.json");
    out << j.dump(2) << '\n';
    out.close();
    if (!out) throw table_file_error(dir / "examples.json", "write failed (disk full or read-only?)");
  });
}

MLPIPE_DECL examples examples::load(const std::filesystem::path& dir) {
  auto meta = dir / "examples.json";
  nlohmann::json j;
  try {
    j = detail::read_json_file(meta, "is this an Examples artifact directory?");
  } catch (const std::runtime_error& e) {  // the message names the file already
    throw table_file_error(meta, std::string(e.what()).substr(meta.string().size() + 2));
  }
  if (!detail::json_format_is(j, "mlpipe.examples"))
    throw table_file_error(meta, "not an mlpipe Examples description (\"format\" is not \"mlpipe.examples\")");
  if (detail::json_version(j) != 1)
    throw table_file_error(meta, "unsupported Examples format version " + detail::json_version_shown(j));
  examples e;
  try {
    e.label = j.at("label").get<std::string>();
    e.span = j.at("span").get<std::int64_t>();
    e.files = j.at("files").get<std::vector<std::string>>();
    e.input_fingerprint = std::stoull(j.at("input_fingerprint").get<std::string>(), nullptr, 16);
    bool has_baseline = j.at("baseline").get<bool>();
    e.train = table::load(dir / "train.mlt");
    e.eval = table::load(dir / "eval.mlt");
    if (has_baseline) e.baseline = table::load(dir / "baseline.mlt");
  } catch (const nlohmann::json::exception& ex) {
    throw table_file_error(meta, std::string("missing or wrong field: ") + ex.what());
  } catch (const std::invalid_argument&) {
    throw table_file_error(meta, "input_fingerprint is not hexadecimal");
  }
  return e;
}

}  // namespace mlpipe
