// mlpipe/train/any_model.hpp: the `model_type` concept (what evaluate, push, the bundle, predict and serve need
// from a model), `any_model` that holds any of them, and `model_registry` that loads one by its kind name.
#pragma once

#include <concepts>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <typeinfo>
#include <utility>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/feature_block.hpp>

namespace mlpipe {

/// A trained model as the life cycle after training sees it. It reads the feature block that the fitted
/// transform makes (x.cols == features) and has:
///   label (std::string), classes (class names in class-index order; empty for regression), features;
///   kind_name(): the name the bundle records and the registry loads it by (e.g. "xgboost");
///   predict(x, out): one value per row, the prediction or the index of the predicted class;
///   predict_proba(x, out): rows * classes.size() probabilities (classifiers);
///   save(dir) / M::load(dir): its own files in a directory; fingerprint(): a hash of its content.
template <class M>
concept model_type = std::copy_constructible<M> &&
    requires(const M& m, feature_block x, std::span<double> out, const std::filesystem::path& dir) {
      { m.label } -> std::convertible_to<std::string>;
      { m.classes } -> std::convertible_to<std::vector<std::string>>;
      { m.features } -> std::convertible_to<std::size_t>;
      { m.kind_name() } -> std::convertible_to<std::string>;
      m.predict(x, out);
      m.predict_proba(x, out);
      m.save(dir);
      { M::load(dir) } -> std::same_as<M>;
      { m.fingerprint() } -> std::convertible_to<std::uint64_t>;
    };

static_assert(model_type<model>);

class any_model;

/// Kind name -> how to load a model of that kind from a directory. `default_model_registry()` holds the
/// built-in kinds (linear, logistic, softmax, and xgboost when <mlpipe/train/xgboost.hpp> is included);
/// a user adds their own with `add<MyModel>("my_kind")`, or builds a registry of their own for a server.
class model_registry {
 public:
  using loader = std::function<any_model(const std::filesystem::path&)>;

  /// The built-in linear kinds.
  model_registry();

  template <model_type M>
  model_registry& add(std::string kind);
  model_registry& add(std::string kind, loader load);
  bool contains(std::string_view kind) const;
  std::vector<std::string> kinds() const;
  /// Loads the model in `dir` as `kind`; model_error naming the kinds known when none matches.
  any_model load(std::string_view kind, const std::filesystem::path& dir) const;
  /// Loads the model in `dir`, reading its kind from the directory (see any_model::kind_of).
  any_model load(const std::filesystem::path& dir) const;

  model_registry(const model_registry& o) : loaders_(o.copy()) {}

 private:
  std::map<std::string, loader, std::less<>> copy() const {
    std::lock_guard lk(m_);
    return loaders_;
  }

  mutable std::mutex m_;
  std::map<std::string, loader, std::less<>> loaders_;
};

/// Any model_type, by value (shared, immutable): what evaluate, push, the bundle, the predictor and the
/// server hold. A pipeline input of type any_model accepts the output of any stage whose artifact is a
/// model_type (train<linear_model>, train<xgboost_model>, a user's trainer).
class any_model {
 public:
  static constexpr std::string_view type_name = "Model";
  using mlpipe_accepts_convertible = void;  // core/outputs.hpp: a port of this type takes convertible outputs

  any_model() = default;
  // any_model itself is ruled out first: checking model_type<any_model> (copyable: this very constructor) would
  // depend on itself (clang: "satisfaction of constraint depends on itself").
  template <class M>
    requires(!std::same_as<std::remove_cvref_t<M>, any_model> && model_type<M>)
  any_model(M m) : p_(std::make_shared<holder<M>>(std::move(m))) {}  // NOLINT: implicit on purpose

  explicit operator bool() const noexcept { return p_ != nullptr; }
  std::string kind_name() const { return get().kind(); }
  const std::string& label() const { return get().label(); }
  const std::vector<std::string>& classes() const { return get().classes(); }
  std::size_t features() const { return get().features(); }
  bool is_classifier() const { return !classes().empty(); }
  std::size_t num_classes() const { return classes().size(); }
  const std::string& class_name(std::size_t i) const { return classes().at(i); }

  void predict(feature_block x, std::span<double> out) const;
  void predict_proba(feature_block x, std::span<double> out) const;
  std::uint64_t fingerprint() const { return get().fingerprint(); }

  /// Writes the model's own files and `model_kind` (its kind name), so load() knows how to read it back.
  void save(const std::filesystem::path& dir) const;
  /// Loads through default_model_registry() by the directory's kind.
  static any_model load(const std::filesystem::path& dir);

  /// The model as its concrete type, or nullptr.
  template <class M>
  const M* get_if() const noexcept {
    if (!p_ || p_->type() != typeid(M)) return nullptr;
    return &static_cast<const holder<M>*>(p_.get())->m;
  }

  /// The kind of the model saved in `dir`: the `model_kind` file, else the "kind" of its model.json.
  static std::string kind_of(const std::filesystem::path& dir);
  static void write_kind(const std::filesystem::path& dir, std::string_view kind);

 private:
  struct base {
    virtual ~base() = default;
    virtual std::string kind() const = 0;
    virtual const std::string& label() const = 0;
    virtual const std::vector<std::string>& classes() const = 0;
    virtual std::size_t features() const = 0;
    virtual void predict(feature_block, std::span<double>) const = 0;
    virtual void predict_proba(feature_block, std::span<double>) const = 0;
    virtual void save(const std::filesystem::path&) const = 0;
    virtual std::uint64_t fingerprint() const = 0;
    virtual const std::type_info& type() const noexcept = 0;
  };
  template <class M>
  struct holder final : base {
    explicit holder(M v) : m(std::move(v)), classes_(m.classes) {}
    M m;
    std::vector<std::string> classes_;
    std::string kind() const override { return std::string(m.kind_name()); }
    const std::string& label() const override { return m.label; }
    const std::vector<std::string>& classes() const override { return classes_; }
    std::size_t features() const override { return m.features; }
    void predict(feature_block x, std::span<double> o) const override { m.predict(x, o); }
    void predict_proba(feature_block x, std::span<double> o) const override { m.predict_proba(x, o); }
    void save(const std::filesystem::path& d) const override { m.save(d); }
    std::uint64_t fingerprint() const override { return m.fingerprint(); }
    const std::type_info& type() const noexcept override { return typeid(M); }
  };

  const base& get() const {
    if (!p_) throw model_error("any_model: empty (no model assigned)");
    return *p_;
  }
  void check(feature_block x, std::span<double> out, std::size_t per_row) const;

  std::shared_ptr<const base> p_;
};

template <model_type M>
model_registry& model_registry::add(std::string kind) {
  return add(std::move(kind), [](const std::filesystem::path& dir) { return any_model(M::load(dir)); });
}

/// The registry `mlpipe` uses when none is given: the built-in kinds, plus what the program added.
MLPIPE_DECL model_registry& default_model_registry();

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/any_model.ipp>
#endif
