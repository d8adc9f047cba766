// mlpipe/deploy/impl/bundle.ipp: bodies of deploy/bundle.hpp's non-template functions (compiled once into
// libmlpipe by src/deploy.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/deploy/bundle.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>

namespace mlpipe {

MLPIPE_DECL nlohmann::json bundle_manifest::signature_json() const {
  nlohmann::json in = nlohmann::json::array();
  for (const auto& i : inputs) {
    nlohmann::json o = {{"name", i.name}, {"type", std::string(to_string(i.kind))}};
    o["domain"] = i.vocabulary.empty() ? nlohmann::json(nullptr) : nlohmann::json(i.vocabulary);
    in.push_back(std::move(o));
  }
  nlohmann::json out = {{"name", label}, {"task", task}};
  if (is_classifier()) out["classes"] = classes;
  return {{"inputs", in}, {"output", out}};
}

MLPIPE_DECL nlohmann::json bundle_manifest::to_json() const {
  nlohmann::json f = nlohmann::json::array();
  for (const auto& e : files)
    f.push_back({{"path", e.path}, {"bytes", e.bytes}, {"fingerprint", fingerprint_hex(e.fingerprint)}});
  nlohmann::json j = {{"format", std::string(format)},
                      {"format_version", format_version},
                      {"task", task},
                      {"model_kind", model_kind},
                      {"features", features},
                      {"signature", signature_json()},
                      {"model_fingerprint", fingerprint_hex(model_fingerprint)},
                      {"transform_fingerprint", fingerprint_hex(transform_fingerprint)},
                      {"provenance",
                       {{"pipeline", provenance.pipeline},
                        {"run_id", provenance.run_id},
                        {"node", provenance.node},
                        {"metadata", provenance.metadata}}},
                      {"files", f}};
  return j;
}

MLPIPE_DECL std::uint64_t bundle_manifest::parse_hex(const std::string& s, const std::string& where) {
  if (s.size() != 16) throw bundle_error(where + ": fingerprint '" + s + "' is not 16 hex digits");
  std::uint64_t v = 0;
  for (char c : s) {
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (d < 0) throw bundle_error(where + ": fingerprint '" + s + "' is not hex");
    v = v << 4 | static_cast<std::uint64_t>(d);
  }
  return v;
}

MLPIPE_DECL bundle_manifest bundle_manifest::from_json(const nlohmann::json& j, const std::string& where) {
  if (!detail::json_format_is(j, format))
    throw bundle_error(where + ": not an mlpipe model bundle manifest (\"format\" is not \"mlpipe.bundle\")");
  const auto& v = j.contains("format_version") ? j["format_version"] : nlohmann::json(nullptr);
  if (!v.is_number_integer() || v != format_version)
    throw bundle_error(where + ": bundle format version " + detail::json_excerpt(v) +
                       " is not supported (this mlpipe reads version " +
                       std::to_string(format_version) + "; re-push the model with this mlpipe)");
  bundle_manifest m;
  try {
    m.task = j.at("task").get<std::string>();
    m.model_kind = j.at("model_kind").get<std::string>();
    m.features = detail::json_count<bundle_error>(j, "features", where);
    const auto& sig = j.at("signature");
    for (const auto& i : sig.at("inputs")) {
      bundle_input in;
      in.name = i.at("name").get<std::string>();
      auto t = i.at("type").get<std::string>();
      if (t == "numeric") in.kind = column_kind::numeric;
      else if (t == "categorical") in.kind = column_kind::categorical;
      else if (t == "string") in.kind = column_kind::string;
      else throw bundle_error(where + ": input '" + in.name + "' has unknown type '" + t + "'");
      if (!i.at("domain").is_null()) in.vocabulary = i["domain"].get<std::vector<std::string>>();
      m.inputs.push_back(std::move(in));
    }
    m.label = sig.at("output").at("name").get<std::string>();
    if (m.is_classifier()) m.classes = sig["output"].at("classes").get<std::vector<std::string>>();
    m.model_fingerprint = parse_hex(j.at("model_fingerprint").get<std::string>(), where);
    m.transform_fingerprint = parse_hex(j.at("transform_fingerprint").get<std::string>(), where);
    const auto& p = j.at("provenance");
    m.provenance.pipeline = p.value("pipeline", "");
    m.provenance.run_id = p.value("run_id", "");
    m.provenance.node = p.value("node", "");
    m.provenance.metadata = p.value("metadata", nlohmann::json::object());
    if (!j.at("files").is_array()) throw bundle_error(where + ": field \"files\" must be an array");
    for (const auto& f : j.at("files"))
      m.files.push_back({f.at("path").get<std::string>(), f.at("bytes").get<std::uint64_t>(),
                         parse_hex(f.at("fingerprint").get<std::string>(), where)});
  } catch (const nlohmann::json::exception& e) {
    throw bundle_error(where + ": missing or wrong field: " + e.what());
  }
  if (m.task != "regression" && m.task != "binary" && m.task != "multiclass")
    throw bundle_error(where + ": field \"task\" is '" + m.task + "' (regression, binary or multiclass)");
  return m;
}

namespace detail {

MLPIPE_DECL std::string read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw bundle_error(file.string() + ": cannot open (the bundle is incomplete)");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

MLPIPE_DECL void fsync_path(const std::filesystem::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw bundle_error(p.string() + ": cannot open to sync: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw bundle_error(p.string() + ": fsync failed: " + std::strerror(err));
}

MLPIPE_DECL std::string task_of(const any_model& m) {
  return !m.is_classifier() ? "regression" : m.num_classes() == 2 ? "binary" : "multiclass";
}

}  // namespace detail

MLPIPE_DECL bundle_manifest make_manifest(const transform_graph& g, const any_model& m, bundle_provenance provenance) {
  if (g.width() != m.features())
    throw bundle_error("the transform gives " + std::to_string(g.width()) + " features but the model takes " +
                       std::to_string(m.features()) + " (were they trained together?)");
  bundle_manifest man;
  man.task = detail::task_of(m);
  man.label = m.label();
  man.model_kind = m.kind_name();
  man.classes = m.classes();
  man.features = m.features();
  for (const auto& c : g.columns) {
    bundle_input in{c.column, c.input_kind, {}};
    if (c.encoding == feature_encoding::one_hot) in.vocabulary = c.vocabulary;
    man.inputs.push_back(std::move(in));
  }
  man.provenance = std::move(provenance);
  man.model_fingerprint = m.fingerprint();
  man.transform_fingerprint = g.fingerprint();
  return man;
}

MLPIPE_DECL bundle_manifest write_bundle(const std::filesystem::path& dir, const transform_graph& g, const any_model& m,
                                         const schema* s, bundle_provenance provenance) {
  namespace fs = std::filesystem;
  auto man = make_manifest(g, m, std::move(provenance));
  fs::create_directories(dir / "model");
  m.save(dir / "model");
  g.save(dir / "transform");
  if (s) s->save(dir / "schema");
  std::vector<std::string> rel;
  for (const auto& e : fs::recursive_directory_iterator(dir / "model"))
    if (e.is_regular_file()) rel.push_back(fs::relative(e.path(), dir).generic_string());
  std::sort(rel.begin(), rel.end());
  rel.push_back("transform/transform_graph.json");
  if (s) rel.push_back("schema/schema.json");
  for (const auto& r : rel) {
    auto bytes = detail::read_file_bytes(dir / r);
    man.files.push_back({r, bytes.size(), fingerprint_bytes(bytes.data(), bytes.size(), 0x62756e646c65ULL)});
    detail::fsync_path(dir / r, false);
  }
  detail::write_text_file<bundle_error>(dir / "manifest.json", man.to_json().dump(2) + '\n');
  detail::fsync_path(dir / "manifest.json", false);
  for (const char* sub : {"model", "transform", "schema"})
    if (fs::exists(dir / sub)) detail::fsync_path(dir / sub, true);
  detail::fsync_path(dir, true);
  return man;
}

MLPIPE_DECL model_bundle load_bundle(const std::filesystem::path& dir, const model_registry& registry) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(dir)) throw bundle_error(dir.string() + ": not a directory (expected a model bundle)");
  auto mfile = dir / "manifest.json";
  nlohmann::json j;
  {
    auto text = detail::read_file_bytes(mfile);
    j = detail::parse_json_text<bundle_error>(text, mfile.string());
  }
  model_bundle b;
  b.directory = dir;
  b.manifest = bundle_manifest::from_json(j, mfile.string());
  bool have_model = false, have_transform = false, have_schema = false;
  std::string model_files;
  for (const auto& f : b.manifest.files) {
    if (f.path.empty() || f.path.find("..") != std::string::npos || f.path.front() == '/')
      throw bundle_error(mfile.string() + ": file entry '" + f.path + "' is not a path inside the bundle");
    auto p = dir / f.path;
    auto bytes = detail::read_file_bytes(p);
    if (bytes.size() != f.bytes)
      throw bundle_error(p.string() + ": " + std::to_string(bytes.size()) + " bytes, the manifest says " +
                         std::to_string(f.bytes) + " (truncated or replaced)");
    if (fingerprint_bytes(bytes.data(), bytes.size(), 0x62756e646c65ULL) != f.fingerprint)
      throw bundle_error(p.string() + ": content does not match the fingerprint in manifest.json (modified or damaged)");
    auto parse = [&]() { return detail::parse_json_text<bundle_error>(bytes, p.string()); };
    try {
      if (f.path.rfind("model/", 0) == 0) {  // loaded below, by kind, once all its files are checked
        model_files += (model_files.empty() ? "" : ", ") + (dir / f.path).string();
        have_model = true;
      }
      else if (f.path == "transform/transform_graph.json")
        b.transform = transform_graph::from_json(parse(), p.string()), have_transform = true;
      else if (f.path == "schema/schema.json") b.schema = schema::from_json(parse(), p.string()), have_schema = true;
    } catch (const bundle_error&) {
      throw;
    } catch (const std::exception& e) {
      throw bundle_error(std::string(e.what()).find(p.string()) == std::string::npos ? p.string() + ": " + e.what()
                                                                                    : std::string(e.what()));
    }
  }
  if (!have_model) throw bundle_error(mfile.string() + ": lists no file under model/");
  if (!have_transform) throw bundle_error(mfile.string() + ": lists no transform/transform_graph.json");
  (void)have_schema;
  try {
    b.model = registry.load(b.manifest.model_kind, dir / "model");
  } catch (const bundle_error&) {
    throw;
  } catch (const std::exception& e) {
    throw bundle_error(model_files + ": " + e.what());
  }
  if (b.model.fingerprint() != b.manifest.model_fingerprint)
    throw bundle_error(model_files + ": the model is not the one manifest.json describes");
  if (b.transform.fingerprint() != b.manifest.transform_fingerprint)
    throw bundle_error((dir / "transform/transform_graph.json").string() +
                       ": the transform is not the one manifest.json describes");
  if (b.transform.width() != b.model.features())
    throw bundle_error(dir.string() + ": the transform gives " + std::to_string(b.transform.width()) +
                       " features but the model takes " + std::to_string(b.model.features()));
  // The manifest is not fingerprinted: what the predictor and the server take from it must agree with the
  // artifacts (the signature builds the request's table, which the transform then binds by name and kind).
  auto disagree = [&](const std::string& what) {
    throw bundle_error(mfile.string() + ": " + what + " does not match the bundle's model and transform");
  };
  const auto& man = b.manifest;
  if (man.inputs.size() != b.transform.columns.size()) disagree("the signature's inputs");
  for (std::size_t i = 0; i < man.inputs.size(); ++i)
    if (man.inputs[i].name != b.transform.columns[i].column || man.inputs[i].kind != b.transform.columns[i].input_kind)
      disagree("signature input '" + man.inputs[i].name + "'");
  if (man.features != b.model.features()) disagree("\"features\"");
  if (man.task != detail::task_of(b.model)) disagree("\"task\"");
  if (man.is_classifier() && man.classes != b.model.classes()) disagree("the output's classes");
  if (man.label != b.model.label()) disagree("the output's name (the label)");
  if (man.model_kind != b.model.kind_name()) disagree("\"model_kind\"");
  return b;
}

}  // namespace mlpipe
