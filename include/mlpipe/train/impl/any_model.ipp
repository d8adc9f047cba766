// mlpipe/train/impl/any_model.ipp: bodies of train/any_model.hpp's non-template functions (compiled once into
// libmlpipe by src/train.cpp, or inline with MLPIPE_HEADER_ONLY).
#pragma once

#include <mlpipe/train/any_model.hpp>

#include <fstream>

#include <nlohmann/json.hpp>

namespace mlpipe {

MLPIPE_DECL model_registry& model_registry::add(std::string kind, loader load) {
  std::lock_guard lk(m_);
  loaders_[std::move(kind)] = std::move(load);
  return *this;
}

MLPIPE_DECL bool model_registry::contains(std::string_view kind) const {
  std::lock_guard lk(m_);
  return loaders_.find(kind) != loaders_.end();
}

MLPIPE_DECL std::vector<std::string> model_registry::kinds() const {
  std::lock_guard lk(m_);
  std::vector<std::string> k;
  for (const auto& [n, l] : loaders_) k.push_back(n);
  return k;
}

MLPIPE_DECL void any_model::predict(feature_block x, std::span<double> out) const {
  check(x, out, 1);
  get().predict(x, out);
}

MLPIPE_DECL void any_model::predict_proba(feature_block x, std::span<double> out) const {
  if (!is_classifier()) throw model_error("predict_proba: a regression model gives values, not probabilities");
  check(x, out, num_classes());
  get().predict_proba(x, out);
}

MLPIPE_DECL void any_model::save(const std::filesystem::path& dir) const {
  get().save(dir);
  write_kind(dir, kind_name());
}

MLPIPE_DECL std::string any_model::kind_of(const std::filesystem::path& dir) {
  if (std::ifstream f(dir / "model_kind"); f) {
    std::string k;
    std::getline(f, k);
    if (!k.empty()) return k;
  }
  auto mj = dir / "model.json";
  if (std::ifstream f(mj); f) {
    try {
      auto j = nlohmann::json::parse(f);
      if (j.is_object() && j.contains("kind") && j["kind"].is_string()) return j["kind"].get<std::string>();
    } catch (const nlohmann::json::exception& e) {
      throw model_error(mj.string() + ": not valid JSON: " + e.what());
    }
  }
  throw model_error(dir.string() + ": no model_kind file and no model.json with a \"kind\" (is it a Model directory?)");
}

MLPIPE_DECL void any_model::write_kind(const std::filesystem::path& dir, std::string_view kind) {
  std::ofstream f(dir / "model_kind");
  f << kind << '\n';
  if (!f) throw model_error((dir / "model_kind").string() + ": cannot write");
}

MLPIPE_DECL void any_model::check(feature_block x, std::span<double> out, std::size_t per_row) const {
  if (x.cols != features())
    throw model_error("model expects " + std::to_string(features()) + " features per row, the block has " +
                      std::to_string(x.cols));
  if (out.size() < x.rows * per_row)
    throw model_error("output buffer holds " + std::to_string(out.size()) + " values, needs " +
                      std::to_string(x.rows * per_row));
}

MLPIPE_DECL model_registry::model_registry() {
  for (const char* k : {"linear", "logistic", "softmax"})
    loaders_.emplace(k, [](const std::filesystem::path& dir) { return any_model(model::load(dir)); });
}

MLPIPE_DECL any_model model_registry::load(std::string_view kind, const std::filesystem::path& dir) const {
  loader l;
  {
    std::lock_guard lk(m_);
    auto it = loaders_.find(kind);
    if (it == loaders_.end()) {
      std::string known;
      for (const auto& [n, f] : loaders_) known += (known.empty() ? "" : ", ") + n;
      throw model_error(dir.string() + ": model kind '" + std::string(kind) + "' is not registered (known: " + known +
                        "; register it with model_registry::add)");
    }
    l = it->second;
  }
  any_model m = l(dir);
  if (m.kind_name() != kind)
    throw model_error(dir.string() + ": loaded as '" + std::string(kind) + "' but the model says it is '" +
                      m.kind_name() + "'");
  return m;
}

MLPIPE_DECL any_model model_registry::load(const std::filesystem::path& dir) const {
  return load(any_model::kind_of(dir), dir);
}

MLPIPE_DECL model_registry& default_model_registry() {
  static model_registry r;
  return r;
}

MLPIPE_DECL any_model any_model::load(const std::filesystem::path& dir) { return default_model_registry().load(dir); }


}  // namespace mlpipe
