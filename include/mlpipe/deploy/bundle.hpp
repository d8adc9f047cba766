// mlpipe/deploy/bundle.hpp: the model bundle, a self-checking directory (manifest.json, the fitted transform,
// the model, the schema) that push writes, the predictor and the server load. write_bundle, load_bundle.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>  // bundle_provenance holds a json value

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/any_model.hpp>
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
  std::string model_kind;                // the model's kind name (linear, logistic, softmax, xgboost, a user's)
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

  nlohmann::json signature_json() const;
  nlohmann::json to_json() const;
  static std::uint64_t parse_hex(const std::string& s, const std::string& where);
  static bundle_manifest from_json(const nlohmann::json& j, const std::string& where);
};

/// A loaded bundle: everything needed to predict.
struct model_bundle {
  bundle_manifest manifest;
  transform_graph transform;
  any_model model;
  std::optional<mlpipe::schema> schema;
  std::filesystem::path directory;  // where it was loaded from (empty when built in memory)
};

namespace detail {

/// The whole content of a bundle's file; bundle_error when it cannot be opened.
MLPIPE_DECL std::string read_file_bytes(const std::filesystem::path& file);

/// fsync a file or directory so a rename that follows publishes durable content.
MLPIPE_DECL void fsync_path(const std::filesystem::path& p, bool directory);

/// "regression", "binary" or "multiclass".
MLPIPE_DECL std::string task_of(const any_model& m);

}  // namespace detail

/// The manifest (without its file list) of a transform and a model trained together.
MLPIPE_DECL bundle_manifest make_manifest(const transform_graph& g, const any_model& m, bundle_provenance provenance = {});

/// Writes a bundle into `dir` (created; should be new and empty): model/ (whatever files the model's kind
/// saves), transform/, schema/ (when given), then manifest.json last, with the size and fingerprint of every
/// file; every file is fsynced.
MLPIPE_DECL bundle_manifest write_bundle(const std::filesystem::path& dir, const transform_graph& g, const any_model& m,
                                         const schema* s = nullptr, bundle_provenance provenance = {});

/// Loads and checks a bundle: the manifest's format and version, then every file it lists (present, the
/// recorded size, the recorded fingerprint), then the artifacts themselves and that they agree with the
/// manifest. The model is loaded by the manifest's model_kind through `registry`, only after its files passed
/// those checks. Any failure is a bundle_error naming the file.
MLPIPE_DECL model_bundle load_bundle(const std::filesystem::path& dir,
                                     const model_registry& registry = default_model_registry());

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/deploy/impl/bundle.ipp>
#endif
