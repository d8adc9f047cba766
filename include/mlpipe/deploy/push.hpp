// mlpipe/deploy/push.hpp: the `push` stage and push_bundle(): a blessed model and its transform become
// <base>/<version>/ (TensorFlow Serving layout), written under a temporary name, fsynced, then renamed.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>


#include <nlohmann/json_fwd.hpp>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/core/inputs.hpp>
#include <mlpipe/deploy/bundle.hpp>
#include <mlpipe/deploy/infra_blessing.hpp>
#include <mlpipe/evaluate/blessing.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// push refused the model (not blessed) or could not publish it; the message says why.
class push_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Artifact "PushedModel": where the model went.
struct pushed_model {
  static constexpr std::string_view type_name = "PushedModel";
  bool pushed = false;
  std::int64_t version = 0;
  std::string path;        // <base>/<version>
  std::string reason;

  nlohmann::json to_json() const;
  void save(const std::filesystem::path& dir) const;
  static pushed_model load(const std::filesystem::path& dir);
  std::uint64_t fingerprint() const;
  friend bool operator==(const pushed_model&, const pushed_model&) = default;
};

/// The published versions under `base`, ascending: directories whose name is a positive integer. Temporary
/// directories of pushes in progress (or killed) start with '.' and are never listed.
MLPIPE_DECL std::vector<std::int64_t> list_versions(const std::filesystem::path& base);

namespace detail {
/// Test hook: called with the temporary directory after the bundle is written and before the rename.
/// A test sets it to throw to simulate a push interrupted midway.
MLPIPE_DECL std::function<void(const std::filesystem::path&)>& push_before_publish_hook();
}  // namespace detail

/// Publishes a bundle as the next version under `base`: writes <base>/.tmp-push-... , fsyncs it, renames it to
/// <base>/<max+1> and fsyncs `base`. A reader listing `base` sees either no new version or a complete one. If a
/// concurrent pusher took the number first, the next number is tried. On failure the temporary directory is
/// removed (a killed process leaves it behind, hidden: its name starts with '.').
MLPIPE_DECL pushed_model push_bundle(const std::filesystem::path& base, const transform_graph& g, const any_model& m,
                                     const schema* s = nullptr, bundle_provenance provenance = {});

/// Stage "push": Model + TransformGraph + ModelBlessing [+ InfraBlessing] -> PushedModel.
///   mp::node<"push">(mp::push{.base = "serving/iris"}) << mp::from<"model", "transform", "evaluation">
///   mp::node<"push">(mp::push{.base = "serving/iris"}) << mp::from<"model", "transform", "evaluation", "infra">
/// A model without a positive blessing is refused, and so is one whose infra blessing (when the pipeline has
/// infra_validate wired in) is negative: the stage throws push_error with the reason, so the run records the
/// node FAILED with why and nothing reaches the serving directory.
struct push {
  std::string base;  // the serving directory of this model: versions go to <base>/<version>/
  MLPIPE_PARAMETERS(base);
  MLPIPE_INPUTS(model, transform, evaluation, infra);

  static constexpr std::string_view name = "push";
  static constexpr int version = 1;

  pushed_model operator()(const any_model& m, const transform_graph& g, const model_blessing& blessing,
                          optional_input<infra_blessing> infra, context& ctx) const;
};

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/deploy/impl/push.ipp>
#endif
