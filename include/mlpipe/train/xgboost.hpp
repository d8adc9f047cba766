// mlpipe/train/xgboost.hpp: gradient-boosted trees through XGBoost's C API (link mlpipe::xgboost):
// `xgboost_model` (a model_type, saved in XGBoost's UBJSON) and the `train<xgboost_model>` stage.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <xgboost/c_api.h>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/fingerprint.hpp>
#include <mlpipe/core/json_file.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/any_model.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/train/train.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

namespace detail {

/// Throws model_error with XGBoost's own message when a C API call fails.
inline void xgb_check(int rc, std::string_view what) {
  if (rc != 0) throw model_error("xgboost: " + std::string(what) + ": " + XGBGetLastError());
}

/// The __array_interface__ of a row-major block of doubles (how XGBoost reads our memory without a copy).
inline std::string xgb_array_interface(const double* data, std::size_t rows, std::size_t cols) {
  return nlohmann::json{{"data", {reinterpret_cast<std::uintptr_t>(data), true}},
                        {"shape", {rows, cols}},
                        {"typestr", "<f8"},
                        {"version", 3}}
      .dump();
}

struct xgb_booster_deleter {
  void operator()(void* b) const noexcept { XGBoosterFree(b); }
};
struct xgb_dmatrix_deleter {
  void operator()(void* d) const noexcept { XGDMatrixFree(d); }
};
using xgb_booster = std::unique_ptr<void, xgb_booster_deleter>;
using xgb_dmatrix = std::unique_ptr<void, xgb_dmatrix_deleter>;

/// A DMatrix over a row-major feature block (NaN = missing), with float labels.
inline xgb_dmatrix xgb_make_dmatrix(const std::vector<double>& x, std::size_t rows, std::size_t cols,
                                    const std::vector<float>& y, int threads) {
  DMatrixHandle h = nullptr;
  nlohmann::json cfg = {{"missing", std::numeric_limits<double>::quiet_NaN()}, {"nthread", threads}};
  // nlohmann writes NaN as null; XGBoost's JSON reader takes NaN
  std::string c = cfg.dump();
  if (auto p = c.find("null"); p != std::string::npos) c.replace(p, 4, "NaN");
  xgb_check(XGDMatrixCreateFromDense(xgb_array_interface(x.data(), rows, cols).c_str(), c.c_str(), &h),
            "cannot build the DMatrix");
  xgb_dmatrix d(h);
  xgb_check(XGDMatrixSetFloatInfo(h, "label", y.data(), static_cast<bst_ulong>(y.size())), "cannot set the labels");
  return d;
}

/// The rows of `t` through the transform (row-major, NaN where a value is missing and not imputed) and the
/// label (value or class index) of each row.
inline void xgb_features(const table& t, const transform_graph& g, const label_encoding& enc, std::vector<double>& x,
                         std::vector<float>& y) {
  const std::size_t n = t.rows(), W = g.width(), B = 4096;
  x.resize(n * W);
  y.resize(n);
  auto tf = g.bind(t);
  auto ly = enc.bind(t);
  std::vector<double> yb(B);
  for (std::size_t r0 = 0; r0 < n; r0 += B) {
    auto v = t.view(r0, std::min(n, r0 + B));
    tf(v, std::span<double>(x.data() + r0 * W, v.rows() * W));
    ly(v, yb.data());
    for (std::size_t r = 0; r < v.rows(); ++r) y[r0 + r] = static_cast<float>(yb[r]);
  }
}

/// Checks a saved XGBoost model (UBJSON) before XGBoost's parser sees it: it must parse as UBJSON and be a
/// gradient-boosted tree model whose feature count, class count and objective match what mlpipe recorded.
inline void xgb_validate_model_bytes(const std::string& bytes, std::size_t features, std::size_t num_class,
                                     const std::string& objective, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::from_ubjson(bytes);
  } catch (const nlohmann::json::exception& e) {
    throw model_error(where + ": not an XGBoost UBJSON model (" + e.what() + ")");
  }
  try {
    const auto& l = j.at("learner");
    const auto& p = l.at("learner_model_param");
    auto num = [&](const char* k) { return std::stod(p.at(k).get<std::string>()); };
    if (num("num_feature") != static_cast<double>(features))
      throw model_error(where + ": the XGBoost model takes " + p.at("num_feature").get<std::string>() +
                        " features, model.json says " + std::to_string(features));
    if (num("num_class") != static_cast<double>(num_class))
      throw model_error(where + ": the XGBoost model has num_class " + p.at("num_class").get<std::string>() +
                        ", model.json says " + std::to_string(num_class));
    auto obj = l.at("objective").at("name").get<std::string>();
    if (obj != objective)
      throw model_error(where + ": the XGBoost model's objective is '" + obj + "', model.json says '" + objective + "'");
    if (l.at("gradient_booster").at("name").get<std::string>() != "gbtree")
      throw model_error(where + ": only gbtree boosters are supported");
  } catch (const nlohmann::json::exception& e) {
    throw model_error(where + ": not an XGBoost model (" + e.what() + ")");
  } catch (const std::invalid_argument&) {
    throw model_error(where + ": an XGBoost model parameter is not a number");
  }
}

}  // namespace detail

/// A trained XGBoost booster (gbtree) as a model_type. Saved as <dir>/model.json (what mlpipe needs to know:
/// label, classes, features, objective, the training record) and <dir>/xgboost.ubj (XGBoost's own UBJSON
/// model, loadable by any XGBoost: xgb.Booster(model_file="xgboost.ubj")). Immutable once trained or loaded;
/// predictions are thread-safe (XGBoost's in-place prediction).
class xgboost_model {
 public:
  static constexpr std::string_view type_name = "Model";
  static constexpr int format_version = 1;

  std::string label;
  std::vector<std::string> classes;  // empty for regression
  std::size_t features = 0;
  std::vector<std::string> feature_names;
  std::string objective;             // binary:logistic | multi:softprob | reg:squarederror | ...
  std::string booster_ubj;           // XGBoost's model, UBJSON bytes
  nlohmann::json training = nlohmann::json::object();

  std::string kind_name() const { return "xgboost"; }
  bool is_classifier() const noexcept { return !classes.empty(); }

  /// One value per row: the regression value, or the most probable class's index (binary: p > 0.5).
  void predict(feature_block x, std::span<double> out) const {
    if (!is_classifier()) return raw(x, out, 1);
    const std::size_t K = classes.size();
    std::vector<double> p(x.rows * K);
    predict_proba(x, p);
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double* pr = p.data() + r * K;
      out[r] = static_cast<double>(std::max_element(pr, pr + K) - pr);
      if (K == 2) out[r] = pr[1] > 0.5 ? 1.0 : 0.0;
    }
  }

  /// rows * classes.size() probabilities (binary: [1 - p, p]).
  void predict_proba(feature_block x, std::span<double> out) const {
    const std::size_t K = classes.size();
    if (K == 0) throw model_error("predict_proba: an XGBoost regression gives values, not probabilities");
    if (K > 2) return raw(x, out, K);
    raw(x, out.subspan(x.rows), 1);  // p after the first rows values, then spread in place
    for (std::size_t r = 0; r < x.rows; ++r) {
      const double p = out[x.rows + r];
      out[2 * r] = 1.0 - p;
      out[2 * r + 1] = p;
    }
  }

  std::uint64_t fingerprint() const {
    hasher h(0x786762ULL);
    h.update(std::string_view(booster_ubj));
    h.update(std::string_view(label));
    for (const auto& c : classes) h.update(std::string_view(c));
    h.update_value(static_cast<std::uint64_t>(features));
    h.update(std::string_view(objective));
    return h.digest();
  }

  void save(const std::filesystem::path& dir) const {
    std::filesystem::create_directories(dir);
    nlohmann::json j = {{"format", "mlpipe.xgboost"}, {"version", format_version}, {"kind", kind_name()},
                        {"label", label},             {"classes", classes},        {"features", features},
                        {"feature_names", feature_names}, {"objective", objective}, {"training", training},
                        {"booster_file", "xgboost.ubj"}};
    detail::write_json_file<model_error>(dir / "model.json", j, 1);
    std::ofstream f(dir / "xgboost.ubj", std::ios::binary);
    f.write(booster_ubj.data(), static_cast<std::streamsize>(booster_ubj.size()));
    if (!f.flush()) throw model_error((dir / "xgboost.ubj").string() + ": write failed");
  }

  static xgboost_model load(const std::filesystem::path& dir) {
    auto file = dir / "model.json";
    auto j = detail::read_json_file<model_error>(file, "is this an XGBoost Model directory?");
    const std::string where = file.string();
    if (!j.is_object() || j.value("format", "") != "mlpipe.xgboost")
      throw model_error(where + ": not an mlpipe XGBoost model (\"format\" is not \"mlpipe.xgboost\")");
    if (j.value("version", 0) != format_version)
      throw model_error(where + ": XGBoost model format version " + j.value("version", nlohmann::json()).dump() +
                        " is not supported (this mlpipe reads version " + std::to_string(format_version) + ")");
    xgboost_model m;
    try {
      m.label = j.at("label").get<std::string>();
      m.classes = j.at("classes").get<std::vector<std::string>>();
      m.features = j.at("features").get<std::size_t>();
      m.feature_names = j.value("feature_names", std::vector<std::string>{});
      m.objective = j.at("objective").get<std::string>();
      m.training = j.value("training", nlohmann::json::object());
    } catch (const nlohmann::json::exception& e) {
      throw model_error(where + ": missing or wrong field: " + e.what());
    }
    if (m.classes.size() == 1) throw model_error(where + ": a classifier needs at least 2 classes");
    if (!m.feature_names.empty() && m.feature_names.size() != m.features)
      throw model_error(where + ": feature_names do not match features");
    auto bfile = dir / "xgboost.ubj";
    std::ifstream in(bfile, std::ios::binary);
    if (!in) throw model_error(bfile.string() + ": cannot open (the XGBoost model file is missing)");
    m.booster_ubj.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    m.open(bfile.string());
    return m;
  }

  /// Parses booster_ubj into XGBoost (after checking it; see detail::xgb_validate_model_bytes).
  void open(const std::string& where = "xgboost model") {
    detail::xgb_validate_model_bytes(booster_ubj, features, classes.size() > 2 ? classes.size() : 0, objective, where);
    BoosterHandle b = nullptr;
    detail::xgb_check(XGBoosterCreate(nullptr, 0, &b), "cannot create a booster");
    std::shared_ptr<void> h(b, detail::xgb_booster_deleter{});
    detail::xgb_check(XGBoosterLoadModelFromBuffer(b, booster_ubj.data(), booster_ubj.size()),
                      where + ": XGBoost cannot load the model");
    booster_ = std::move(h);
  }

 private:
  // XGBoost's in-place prediction on the block (no copy), per_row outputs per row, into out.
  void raw(feature_block x, std::span<double> out, std::size_t per_row) const {
    if (!booster_) throw model_error("xgboost_model: no booster loaded (load() or train it first)");
    if (x.cols != features)
      throw model_error("xgboost model expects " + std::to_string(features) + " features per row, the block has " +
                        std::to_string(x.cols));
    if (x.rows == 0) return;
    static const std::string cfg =
        R"({"type": 0, "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false, "missing": NaN, "cache_id": 0})";
    bst_ulong const* shape = nullptr;
    bst_ulong dim = 0;
    float const* res = nullptr;
    detail::xgb_check(XGBoosterPredictFromDense(booster_.get(), detail::xgb_array_interface(x.data, x.rows, x.cols).c_str(),
                                                cfg.c_str(), nullptr, &shape, &dim, &res),
                      "prediction failed");
    std::size_t total = 1;
    for (bst_ulong i = 0; i < dim; ++i) total *= shape[i];
    if (total != x.rows * per_row)
      throw model_error("xgboost: " + std::to_string(total) + " predictions for " + std::to_string(x.rows) + " rows x " +
                        std::to_string(per_row));
    for (std::size_t i = 0; i < total; ++i) out[i] = static_cast<double>(res[i]);
  }

  std::shared_ptr<void> booster_;  // the parsed booster, shared by copies (XGBoost's prediction is thread-safe)
};

static_assert(model_type<xgboost_model>);

/// Stage "train_xgboost": examples + TransformGraph -> an XGBoost model, trained on the train split's features
/// as the transform makes them (missing values reach XGBoost as missing when the transform does not impute:
/// fit_transform{.missing_as_nan = true} with ops that do not impute, or `mlpipe train --model xgboost`).
///   mp::train<mp::xgboost_model>{.max_depth = 4, .eta = 0.1, .rounds = 200, .early_stopping = 10}
/// The parameters are XGBoost's own, with its defaults; `rounds` is xgb.train's num_boost_round
/// (n_estimators). With early_stopping > 0 and an eval split, training stops after that many rounds without a
/// better eval metric and the model keeps the rounds up to the best one.
template <>
struct train<xgboost_model> {
  std::string objective = "auto";     // auto (from the label) | binary:logistic | multi:softprob | reg:squarederror | ...
  std::size_t rounds = 100;           // boosting rounds (n_estimators)
  double eta = 0.3;                   // learning rate
  std::size_t max_depth = 6;
  double subsample = 1.0;
  double colsample_bytree = 1.0;
  double min_child_weight = 1.0;
  double lambda = 1.0;                // L2 on leaf weights
  double alpha = 0.0;                 // L1 on leaf weights
  double gamma = 0.0;                 // minimum loss reduction to split
  std::string tree_method = "auto";   // auto | exact | approx | hist
  std::size_t max_bin = 256;          // hist, approx
  std::string eval_metric;            // "" = the objective's default (logloss, mlogloss, rmse)
  std::size_t early_stopping = 0;     // rounds without improvement on the eval split (0: off)
  std::size_t threads = 0;            // 0: XGBoost's default (all cores)
  std::uint64_t seed = 0;
  MLPIPE_PARAMETERS(objective, rounds, eta, max_depth, subsample, colsample_bytree, min_child_weight, lambda, alpha,
                    gamma, tree_method, max_bin, eval_metric, early_stopping, threads, seed);

  static constexpr std::string_view name = "train_xgboost";
  static constexpr int version = 1;

  xgboost_model operator()(const examples& in, const transform_graph& g, context& ctx) const {
    return fit(in.train, in.eval.rows() > 0 ? &in.eval : nullptr, g, in.label, ctx);
  }

  /// The objective `auto` picks: a categorical (or two-valued numeric) label is classification, binary or
  /// multi-class by its class count; any other numeric label is a regression.
  static bool label_is_classification(const table& t, std::string_view label) {
    auto i = t.index_of(label);
    if (!i) throw model_error("the label column '" + std::string(label) + "' is not in the table");
    const column& c = t.col(*i);
    if (c.kind() != column_kind::numeric) return true;
    double first = std::numeric_limits<double>::quiet_NaN();
    for (double v : c.values()) {
      if (std::isnan(v)) continue;
      if (std::isnan(first)) first = v;
      else if (v != first) {
        for (double w : c.values())
          if (!std::isnan(w) && w != first && w != v) return false;
        return true;
      }
    }
    return false;
  }

  xgboost_model fit(const table& train_split, const table* eval_split, const transform_graph& g,
                    std::string_view label, context& ctx) const {
    const auto t0 = std::chrono::steady_clock::now();
    if (train_split.rows() == 0) throw model_error("the train split has no rows");
    std::string obj = objective;
    bool classification = obj == "auto" ? label_is_classification(train_split, label)
                                        : obj.rfind("binary:", 0) == 0 || obj.rfind("multi:", 0) == 0;
    auto enc = label_encoding::fit(train_split, label, classification);
    if (obj == "auto") obj = !classification ? "reg:squarederror" : enc.classes.size() == 2 ? "binary:logistic" : "multi:softprob";
    if (obj == "multi:softmax") throw model_error("train_xgboost: use multi:softprob (mlpipe needs class probabilities)");
    if (obj.rfind("binary:", 0) == 0 && enc.classes.size() != 2)
      throw model_error("train_xgboost: objective " + obj + " needs 2 classes, label '" + std::string(label) + "' has " +
                        std::to_string(enc.classes.size()));
    if (obj == "binary:logitraw" || obj == "binary:hinge")
      throw model_error("train_xgboost: objective " + obj + " gives no probabilities; use binary:logistic");
    if (!(eta > 0) || !(subsample > 0 && subsample <= 1) || rounds == 0)
      throw model_error("train_xgboost: eta > 0, 0 < subsample <= 1 and rounds >= 1 are required");

    const std::size_t W = g.width();
    std::vector<double> x;
    std::vector<float> y;
    detail::xgb_features(train_split, g, enc, x, y);
    auto dtrain = detail::xgb_make_dmatrix(x, train_split.rows(), W, y, static_cast<int>(threads));
    std::vector<double>().swap(x);  // the DMatrix holds its own copy
    detail::xgb_dmatrix deval;
    const bool stop_early = early_stopping > 0 && eval_split && eval_split->rows() > 0;
    if (stop_early) {
      detail::xgb_features(*eval_split, g, enc, x, y);
      deval = detail::xgb_make_dmatrix(x, eval_split->rows(), W, y, static_cast<int>(threads));
      std::vector<double>().swap(x);
    }

    DMatrixHandle cache[2] = {dtrain.get(), deval.get()};
    BoosterHandle bh = nullptr;
    detail::xgb_check(XGBoosterCreate(cache, stop_early ? 2 : 1, &bh), "cannot create a booster");
    detail::xgb_booster b(bh);
    auto set = [&](const char* k, const std::string& v) {
      detail::xgb_check(XGBoosterSetParam(bh, k, v.c_str()), std::string("parameter ") + k + "=" + v);
    };
    auto num = [](double v) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.17g", v);
      return std::string(buf);
    };
    set("objective", obj);
    if (obj.rfind("multi:", 0) == 0) set("num_class", std::to_string(enc.classes.size()));
    set("eta", num(eta));
    set("max_depth", std::to_string(max_depth));
    set("subsample", num(subsample));
    set("colsample_bytree", num(colsample_bytree));
    set("min_child_weight", num(min_child_weight));
    set("lambda", num(lambda));
    set("alpha", num(alpha));
    set("gamma", num(gamma));
    set("tree_method", tree_method);
    set("max_bin", std::to_string(max_bin));
    set("seed", std::to_string(seed));
    if (threads > 0) set("nthread", std::to_string(threads));
    if (!eval_metric.empty()) set("eval_metric", eval_metric);
    set("verbosity", "1");

    std::size_t done = 0, best = 0;
    double best_score = std::numeric_limits<double>::infinity();
    const bool maximize = eval_metric == "auc" || eval_metric == "aucpr" || eval_metric == "map" ||
                          eval_metric.rfind("ndcg", 0) == 0;
    for (std::size_t it = 0; it < rounds; ++it) {
      detail::xgb_check(XGBoosterUpdateOneIter(bh, static_cast<int>(it), dtrain.get()), "boosting round failed");
      done = it + 1;
      if (!stop_early) continue;
      const char* names[1] = {"eval"};
      DMatrixHandle ev[1] = {deval.get()};
      const char* out = nullptr;
      detail::xgb_check(XGBoosterEvalOneIter(bh, static_cast<int>(it), ev, names, 1, &out), "evaluation failed");
      std::string s(out);  // "[it]\teval-logloss:0.123"
      double score = std::strtod(s.c_str() + s.rfind(':') + 1, nullptr);
      if (maximize) score = -score;
      if (score < best_score) {
        best_score = score, best = it;
      } else if (it - best >= early_stopping) {
        ctx.log("xgboost: early stopping after round " + std::to_string(it + 1) + " (best round " +
                std::to_string(best + 1) + ")");
        break;
      }
    }
    if (stop_early && best + 1 < done) {  // keep the rounds up to the best one
      BoosterHandle sliced = nullptr;
      detail::xgb_check(XGBoosterSlice(bh, 0, static_cast<int>(best + 1), 1, &sliced), "cannot keep the best rounds");
      b.reset(sliced);
      bh = sliced;
    }
    bst_ulong len = 0;
    const char* buf = nullptr;
    detail::xgb_check(XGBoosterSaveModelToBuffer(bh, R"({"format": "ubj"})", &len, &buf), "cannot save the model");

    xgboost_model m;
    m.label = std::string(label);
    m.classes = enc.classification ? enc.classes : std::vector<std::string>{};
    m.features = W;
    m.feature_names = g.feature_names();
    m.objective = obj;
    m.booster_ubj.assign(buf, len);
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    m.training = {{"parameters", parameters_to_json(*this)}, {"rounds", stop_early ? best + 1 : done},
                  {"rows", train_split.rows()}, {"seconds", secs}};
    if (stop_early) m.training["best_eval"] = maximize ? -best_score : best_score;
    m.open("trained xgboost model");
    ctx.record("train_rows", train_split.rows());
    ctx.record("features", W);
    ctx.record("rounds", stop_early ? best + 1 : done);
    ctx.record("train_seconds", secs);
    return m;
  }
};

/// Registers the "xgboost" kind in default_model_registry() for every program that includes this header.
inline const bool xgboost_kind_registered = (default_model_registry().add<xgboost_model>("xgboost"), true);

}  // namespace mlpipe
