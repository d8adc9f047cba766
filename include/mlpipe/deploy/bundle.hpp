// mlpipe/deploy/bundle.hpp: the model bundle, a self-checking directory (manifest.json, the fitted transform,
// the model, the schema) that push writes, the predictor and the server load. write_bundle, load_bundle.
#pragma once

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/transform_graph.hpp>
#include <mlpipe/validate/schema.hpp>

namespace mlpipe {

/// A bundle that cannot be written or loaded; the message names the file at fault.
class bundle_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// One input feature column of the signature: what a caller sends.
struct bundle_input {
  std::string name;
  column_kind kind = column_kind::numeric;  // numeric | categorical | string
  std::vector<std::string> vocabulary;      // categorical under one-hot: the known values (others: out of vocabulary)
  friend bool operator==(const bundle_input&, const bundle_input&) = default;
};

/// Where a bundle came from (all optional; empty when unknown).
struct bundle_provenance {
  std::string pipeline, run_id, node;
  nlohmann::json metadata = nlohmann::json::object();  // metadata store ids (e.g. {"model_artifact_id": 12})
};

/// manifest.json: what the bundle is and how to check it.
struct bundle_manifest {
  static constexpr std::string_view format = "mlpipe.bundle";
  static constexpr int format_version = 1;

  std::string task;                      // regression | binary | multiclass
  std::string label;                     // the label column the model predicts
  std::string model_kind;                // linear | logistic | softmax
  std::vector<bundle_input> inputs;      // signature, in order (arrays in `instances` follow this order)
  std::vector<std::string> classes;      // classifiers: class names in class-index order
  std::size_t features = 0;              // width of the feature block the transform produces
  bundle_provenance provenance;
  std::uint64_t model_fingerprint = 0, transform_fingerprint = 0;
  struct file_entry {
    std::string path;  // relative to the bundle directory
    std::uint64_t bytes = 0;
    std::uint64_t fingerprint = 0;  // mlpipe::fingerprint_bytes of the content: catches damage, not an attacker
  };
  std::vector<file_entry> files;

  bool is_classifier() const noexcept { return task != "regression"; }

  nlohmann::json signature_json() const {
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

  nlohmann::json to_json() const {
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

  static std::uint64_t parse_hex(const std::string& s, const std::string& where) {
    if (s.size() != 16) throw bundle_error(where + ": fingerprint '" + s + "' is not 16 hex digits");
    std::uint64_t v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (d < 0) throw bundle_error(where + ": fingerprint '" + s + "' is not hex");
      v = v << 4 | static_cast<std::uint64_t>(d);
    }
    return v;
  }

  static bundle_manifest from_json(const nlohmann::json& j, const std::string& where) {
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
};

/// A loaded bundle: everything needed to predict.
struct model_bundle {
  bundle_manifest manifest;
  transform_graph transform;
  mlpipe::model model;
  std::optional<mlpipe::schema> schema;
  std::filesystem::path directory;  // where it was loaded from (empty when built in memory)
};

namespace detail {

inline std::string read_file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw bundle_error(file.string() + ": cannot open (the bundle is incomplete)");
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

/// fsync a file or directory so a rename that follows publishes durable content.
inline void fsync_path(const std::filesystem::path& p, bool directory) {
  int fd = ::open(p.c_str(), directory ? O_RDONLY | O_DIRECTORY : O_RDONLY);
  if (fd < 0) throw bundle_error(p.string() + ": cannot open to sync: " + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) throw bundle_error(p.string() + ": fsync failed: " + std::strerror(err));
}

inline std::string task_of(const mlpipe::model& m) {
  return !m.is_classifier() ? "regression" : m.num_classes() == 2 ? "binary" : "multiclass";
}

}  // namespace detail

/// The manifest (without its file list) of a transform and a model trained together.
inline bundle_manifest make_manifest(const transform_graph& g, const model& m, bundle_provenance provenance = {}) {
  if (g.width() != m.features)
    throw bundle_error("the transform gives " + std::to_string(g.width()) + " features but the model takes " +
                       std::to_string(m.features) + " (were they trained together?)");
  bundle_manifest man;
  man.task = detail::task_of(m);
  man.label = m.label;
  man.model_kind = std::string(to_string(m.kind));
  man.classes = m.classes;
  man.features = m.features;
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

/// Writes a bundle into `dir` (created; should be new and empty): model/, transform/, schema/ (when given),
/// then manifest.json last, with the size and fingerprint of every file; every file is fsynced.
inline bundle_manifest write_bundle(const std::filesystem::path& dir, const transform_graph& g, const model& m,
                                    const schema* s = nullptr, bundle_provenance provenance = {}) {
  namespace fs = std::filesystem;
  auto man = make_manifest(g, m, std::move(provenance));
  fs::create_directories(dir);
  m.save(dir / "model");
  g.save(dir / "transform");
  if (s) s->save(dir / "schema");
  std::vector<std::string> rel = {"model/model.json", "transform/transform_graph.json"};
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

/// Loads and checks a bundle: the manifest's format and version, then every file it lists (present, the
/// recorded size, the recorded fingerprint), then the artifacts themselves and that they agree with the
/// manifest. Any failure is a bundle_error naming the file.
inline model_bundle load_bundle(const std::filesystem::path& dir) {
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
      if (f.path == "model/model.json") b.model = model::from_json(parse(), p.string()), have_model = true;
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
  if (!have_model) throw bundle_error(mfile.string() + ": lists no model/model.json");
  if (!have_transform) throw bundle_error(mfile.string() + ": lists no transform/transform_graph.json");
  (void)have_schema;
  if (b.model.fingerprint() != b.manifest.model_fingerprint)
    throw bundle_error((dir / "model/model.json").string() + ": the model is not the one manifest.json describes");
  if (b.transform.fingerprint() != b.manifest.transform_fingerprint)
    throw bundle_error((dir / "transform/transform_graph.json").string() +
                       ": the transform is not the one manifest.json describes");
  if (b.transform.width() != b.model.features)
    throw bundle_error(dir.string() + ": the transform gives " + std::to_string(b.transform.width()) +
                       " features but the model takes " + std::to_string(b.model.features));
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
  if (man.features != b.model.features) disagree("\"features\"");
  if (man.task != detail::task_of(b.model)) disagree("\"task\"");
  if (man.is_classifier() && man.classes != b.model.classes) disagree("the output's classes");
  return b;
}

}  // namespace mlpipe
