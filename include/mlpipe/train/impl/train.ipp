// mlpipe/train/impl/train.ipp: bodies of train<linear_model<K>>'s training (train/train.hpp), instantiated once for the three
// model kinds in libmlpipe by src/train.cpp (the header declares them extern), or included by the header with
// MLPIPE_HEADER_ONLY.
#pragma once

#include <mlpipe/train/train.hpp>
#include <mlpipe/train/unfused.hpp>

namespace mlpipe {

template <model_kind K>
model train<linear_model<K>>::operator()(const examples& in, const transform_graph& g,
                                         optional_input<hyperparameters> tuned, context& ctx) const {
  const table* eval = in.eval.rows() > 0 ? &in.eval : nullptr;
  if (!tuned) return fit(in.train, eval, g, in.label, ctx);
  auto t = *this;
  tuned->apply_to(t);
  ctx.record("hyperparameters", tuned->values.dump());
  return t.fit(in.train, eval, g, in.label, ctx);
}

template <model_kind K>
model train<linear_model<K>>::fit(const table& train_split, const table* eval_split, const transform_graph& g, std::string_view label, context& ctx) const {
  auto t0 = std::chrono::steady_clock::now();
  check_parameters();
  // Data-parallel (ctx.collective()): this process holds one shard of each split; classes, row counts,
  // class weights and the optimizer's sums are taken over all ranks, so every rank fits the same model.
  const collective* cl = ctx.collective();
  auto enc = cl ? label_encoding::fit(train_split, label, K != model_kind::linear, *cl)
                : label_encoding::fit(train_split, label, K != model_kind::linear);
  const std::size_t train_rows = cl ? static_cast<std::size_t>(cl->sum(std::uint64_t{train_split.rows()})) : train_split.rows();
  if (K == model_kind::logistic && enc.classes.size() != 2)
    throw model_error("logistic_regression is binary, but label '" + std::string(label) + "' has " +
                      std::to_string(enc.classes.size()) + " classes; use softmax_regression");
  if (K == model_kind::softmax && enc.classes.size() > 64)
    throw model_error("softmax_regression supports at most 64 classes; label '" + std::string(label) + "' has " +
                      std::to_string(enc.classes.size()));
  if (train_rows == 0) throw model_error("the train split has no rows");
  detail::glm_shape s{g.width(), K == model_kind::softmax ? enc.classes.size() : 1};
  auto cw = class_weight_vector(enc, train_split, cl);
  std::string solv = resolve_solver(train_rows, s);
  if (cl && solv != "newton" && solv != "sgd" && solv != "adam")
    throw model_error("train: solver '" + solv + "' does not run data-parallel");
  std::size_t br = block_rows ? block_rows : training_block_rows(s.d, solv == "newton" ? 1 : batch_size);

  training_report rep;
  std::vector<double> theta;
  if (fused) {
    fused_source src(train_split, g, enc, br);
    std::optional<fused_source> ev;
    if (eval_split && eval_split->rows() > 0) ev.emplace(*eval_split, g, enc, br);
    theta = optimize(src, ev ? &*ev : nullptr, s, cw, solv, rep, ctx);
  } else {
    materialized_source src(train_split, g, enc, br);
    std::optional<materialized_source> ev;
    if (eval_split && eval_split->rows() > 0) ev.emplace(*eval_split, g, enc, br);
    theta = optimize(src, ev ? &*ev : nullptr, s, cw, solv, rep, ctx);
  }
  rep.solver = solv;
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  model m;
  m.kind = K;
  m.features = s.d;
  m.outputs = s.k;
  m.weights.assign(theta.begin(), theta.begin() + static_cast<std::ptrdiff_t>(s.d * s.k));
  m.bias.assign(theta.begin() + static_cast<std::ptrdiff_t>(s.d * s.k), theta.end());
  m.classes = enc.classes;
  m.feature_names = g.feature_names();
  m.label = std::string(label);
  m.training = {{"parameters", parameters_to_json(*this)},
                {"solver", rep.solver},
                {"epochs", rep.epochs},
                {"train_loss", rep.train_loss},
                {"converged", rep.converged},
                {"rows", train_rows}};
  if (!std::isnan(rep.eval_loss)) m.training["eval_loss"] = rep.eval_loss, m.training["best_epoch"] = rep.best_epoch;
  m.validate("trained model");
  ctx.record("train_rows", train_rows);
  ctx.record("features", s.d);
  ctx.record("solver", rep.solver);
  ctx.record("epochs", rep.epochs);
  ctx.record("train_loss", rep.train_loss);
  if (!std::isnan(rep.eval_loss)) ctx.record("eval_loss", rep.eval_loss);
  ctx.record("train_seconds", rep.seconds);
  last_report = rep;
  return m;
}

template <model_kind K>
std::string train<linear_model<K>>::resolve_solver(std::size_t rows, const detail::glm_shape& s) const {
  if (solver == "cholesky") return "newton";
  if (solver != "auto") return solver;
  if (l1 > 0) return "adam";
  if (K == model_kind::linear) return "newton";
  double P = static_cast<double>(s.params());
  return (P <= 600 && static_cast<double>(rows) * P * P <= 2e8) ? "newton" : "adam";
}

template <model_kind K>
void train<linear_model<K>>::check_parameters() const {
  auto bad = [](const std::string& what) { throw model_error("train: " + what); };
  if (solver != "auto" && solver != "newton" && solver != "cholesky" && solver != "sgd" && solver != "adam")
    bad("unknown solver '" + solver + "' (auto, newton, cholesky, sgd, adam)");
  if (!(l2 >= 0) || !(l1 >= 0)) bad("l1 and l2 must be >= 0");
  if (l1 > 0 && (solver == "newton" || solver == "cholesky"))
    bad("l1 needs a proximal solver: use solver=sgd or solver=adam");
  if (batch_size == 0) bad("batch_size must be positive");
  if (!(learning_rate > 0)) bad("learning_rate must be positive");
  if (schedule != "constant" && schedule != "inverse_time" && schedule != "exponential" && schedule != "cosine")
    bad("unknown schedule '" + schedule + "' (constant, inverse_time, exponential, cosine)");
  if (!class_weight.empty() && class_weight != "balanced")
    bad("class_weight is \"\" or \"balanced\", not '" + class_weight + "'");
  if (K == model_kind::linear && (!class_weight.empty() || !class_weights.empty()))
    bad("class weights apply to classifiers only");
}

template <model_kind K>
std::vector<double> train<linear_model<K>>::class_weight_vector(const label_encoding& enc, const table& t,
                                                                const collective* cl_) const {
  if (K == model_kind::linear) return {};
  if (!class_weights.empty()) {
    if (class_weights.size() != enc.classes.size())
      throw model_error("train: class_weights has " + std::to_string(class_weights.size()) + " values for " +
                        std::to_string(enc.classes.size()) + " classes");
    return class_weights;
  }
  if (class_weight != "balanced") return {};
  auto local = enc.class_counts(t);
  std::vector<std::uint64_t> counts(local.begin(), local.end());
  counts.push_back(t.rows());
  if (cl_) cl_->sum(std::span<std::uint64_t>(counts));  // data-parallel: the counts of every shard
  const double rows = static_cast<double>(counts.back());
  counts.pop_back();
  std::vector<double> w(counts.size());
  for (std::size_t c = 0; c < counts.size(); ++c)
    w[c] = counts[c] ? rows / (static_cast<double>(counts.size()) * static_cast<double>(counts[c])) : 0.0;
  return w;
}

template <model_kind K>
double train<linear_model<K>>::epoch_learning_rate(std::size_t e) const {
  double de = static_cast<double>(e);
  if (schedule == "inverse_time") return learning_rate / (1.0 + decay * de);
  if (schedule == "exponential") return learning_rate * std::pow(decay, de);
  if (schedule == "cosine")
    return learning_rate * 0.5 * (1.0 + std::cos(3.141592653589793 * de / static_cast<double>(std::max<std::size_t>(epochs, 1))));
  return learning_rate;
}

}  // namespace mlpipe
