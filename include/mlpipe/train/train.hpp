// mlpipe/train/train.hpp: the `train<Model>` stage for linear, logistic and softmax regression: Newton/Cholesky,
// minibatch SGD with momentum or Adam, over row blocks streamed through validate | transform (the fused epoch).
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <mlpipe/core/context.hpp>
#include <mlpipe/core/inputs.hpp>
#include <mlpipe/core/parameters.hpp>
#include <mlpipe/data/examples.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/block_source.hpp>
#include <mlpipe/train/detail/cholesky.hpp>
#include <mlpipe/train/detail/glm.hpp>
#include <mlpipe/train/hyperparameters.hpp>
#include <mlpipe/train/labels.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/transform_graph.hpp>

namespace mlpipe {

/// The model families, as tags for train<Model> (and tune<Model>).
template <model_kind K>
struct linear_model {
  static constexpr model_kind kind = K;
};
using linear_regression = linear_model<model_kind::linear>;      // least squares + ridge (l2)
using logistic_regression = linear_model<model_kind::logistic>;  // binary classes
using softmax_regression = linear_model<model_kind::softmax>;    // two or more classes (multinomial)

/// What a training run did (also recorded in the model's `training` JSON and the context).
struct training_report {
  std::string solver;
  std::size_t epochs = 0;       // passes of the optimizer (Newton iterations or SGD epochs)
  double train_loss = 0;        // mean weighted loss on the train split (last epoch / final Newton iterate)
  double eval_loss = std::numeric_limits<double>::quiet_NaN();  // early stopping: best eval loss
  std::size_t best_epoch = 0;
  bool converged = false;
  double seconds = 0;
};

template <class Model>
struct train;

/// Stage "train_<kind>": examples + TransformGraph [+ tuned Hyperparameters] -> Model.
///   mp::node<"model">(mp::train<mp::logistic_regression>{.l2 = 1e-4, .epochs = 10}) << mp::from<"examples", "transform">
///   mp::node<"model">(mp::train<mp::logistic_regression>{}) << mp::from<"examples", "transform", "tuned">
/// The objective is the mean weighted loss + l2/2 |W|^2 + l1 |W|_1 (biases unpenalized): scikit-learn's
/// LogisticRegression(C) is l2 = 1 / (C n_train), its Ridge(alpha) is l2 = alpha / n_train.
/// Deterministic for a given seed: the optimizer runs on one thread in a fixed block order.
template <model_kind K>
struct train<linear_model<K>> {
  std::string solver = "auto";        // auto | newton (linear: cholesky, the closed form) | sgd | adam
  double l2 = 1e-4;                   // ridge penalty on the weights
  double l1 = 0.0;                    // lasso penalty, by a proximal step (sgd, adam)
  std::size_t epochs = 10;            // sgd, adam: passes over the train split
  std::size_t max_iterations = 50;    // newton
  std::size_t batch_size = 256;       // sgd, adam
  double learning_rate = 0.01;        // sgd, adam
  double momentum = 0.9;              // sgd
  double beta1 = 0.9;                 // adam
  double beta2 = 0.999;               // adam
  std::string schedule = "constant";  // learning rate per epoch: constant | inverse_time | exponential | cosine
  double decay = 0.5;                 // inverse_time: lr/(1+decay*epoch); exponential: lr*decay^epoch
  std::string class_weight;           // "" (all 1) or "balanced" (n / (classes * count))
  std::vector<double> class_weights;  // explicit weight per class, in class order (overrides class_weight)
  std::size_t early_stopping = 0;     // sgd, adam: stop after this many epochs without a better eval loss (0: off)
  double tolerance = 1e-10;           // newton: relative step size that stops; early stopping: least improvement
  std::uint64_t seed = 42;            // block order of each epoch
  bool shuffle = true;                // visit blocks in a seeded random order each epoch
  std::size_t block_rows = 0;         // rows per block (0: sized for the L2 cache)
  bool fused = true;                  // false: materialize the transformed matrix first (for comparison)
  MLPIPE_PARAMETERS(solver, l2, l1, epochs, max_iterations, batch_size, learning_rate, momentum, beta1, beta2,
                    schedule, decay, class_weight, class_weights, early_stopping, tolerance, seed, shuffle,
                    block_rows, fused);

  // One stable name per model kind: the cache key hashes the stage name, and logistic and softmax training
  // share their parameters, so a shared name would let one reuse the other's model.
  static constexpr std::string_view name = K == model_kind::linear     ? "train_linear"
                                           : K == model_kind::logistic ? "train_logistic"
                                                                       : "train_softmax";
  static constexpr int version = 1;
  static constexpr model_kind kind = K;

  MLPIPE_INPUTS(examples, transform, tuned);

  /// With the optional `tuned` input (a tune node's best hyperparameters), trains with those applied over this
  /// stage's own parameters.
  model operator()(const examples& in, const transform_graph& g, optional_input<hyperparameters> tuned,
                   context& ctx) const;

  /// Trains on `train`; `eval` (optional) is used for early stopping and the reported eval loss.
  model fit(const table& train_split, const table* eval_split, const transform_graph& g, std::string_view label,
            context& ctx) const;

  /// What this stage object's last fit did (for benchmarks and tests; not a parameter).
  mutable training_report last_report{};
  const training_report& report() const noexcept { return last_report; }

  /// The solver `auto` picks: Newton (exact, few passes) while the Hessian work stays small, else Adam;
  /// SGD-family solvers whenever l1 is set.
  std::string resolve_solver(std::size_t rows, const detail::glm_shape& s) const;

  /// Runs the chosen optimizer over a block source; returns theta ((d + 1) × k, biases last).
  template <block_source Source>
  std::vector<double> optimize(Source& src, Source* eval, const detail::glm_shape& s, std::span<const double> cw,
                               const std::string& solv, training_report& rep, context& ctx) const {
    if (solv == "newton") return newton(src, s, cw, rep, ctx);
    if (ctx.collective()) return minibatch_parallel(src, eval, s, cw, solv == "adam", rep, ctx);
    return minibatch(src, eval, s, cw, solv == "adam", rep, ctx);
  }

 private:
  void check_parameters() const;

  std::vector<double> class_weight_vector(const label_encoding& enc, const table& t, const collective* cl_) const;

  // Newton's method (exact Hessian, Cholesky solve), halving the step when the objective rises. For linear
  // regression the first step is the ridge closed form.
  template <block_source Source>
  std::vector<double> newton(Source& src, const detail::glm_shape& s, std::span<const double> cw,
                             training_report& rep, context& ctx) const {
    const std::size_t P = s.params(), nw = s.d * s.k;
    const collective* cl = ctx.collective();
    const double n = static_cast<double>(cl ? cl->sum(std::uint64_t{src.rows()}) : src.rows());
    std::vector<double> theta(P, 0.0), prev(P, 0.0), step(P, 0.0), G(P + 1), H(P * P);
    double prev_obj = std::numeric_limits<double>::infinity(), scale = 1.0;
    const std::size_t iters = K == model_kind::linear ? 1 : max_iterations;
    for (std::size_t it = 0; it < iters; ++it) {
      std::fill(G.begin(), G.end(), 0.0);
      std::fill(H.begin(), H.end(), 0.0);
      double loss = 0;
      for (std::size_t b = 0; b < src.block_count(); ++b)
        loss += detail::accumulate_newton<K>(src.block(b), theta.data(), s, cw, G.data(), H.data());
      if (cl) {  // Spark MLlib's way: every rank's gradient, X^T W X and loss summed, one step on the sums
        G[P] = loss;
        cl->sum(std::span<double>(G));
        cl->sum(std::span<double>(H));
        loss = G[P];
      }
      double obj = loss / n;
      for (std::size_t i = 0; i < nw; ++i) obj += 0.5 * l2 * theta[i] * theta[i];
      ++rep.epochs;
      rep.train_loss = loss / n;
      if (obj > prev_obj * (1 + 1e-15) + 1e-300) {  // overshoot: halve the last step and look again
        scale *= 0.5;
        if (scale < 1e-8) break;
        for (std::size_t i = 0; i < P; ++i) theta[i] = prev[i] - scale * step[i];
        continue;
      }
      for (auto& g : G) g /= n;
      for (auto& h : H) h /= n;
      for (std::size_t i = 0; i < nw; ++i) {
        G[i] += l2 * theta[i];
        H[i * P + i] += l2;
      }
      for (std::size_t i = nw; i < P; ++i) H[i * P + i] += 1e-12;  // softmax biases: shift-invariant direction
      step.assign(G.begin(), G.begin() + static_cast<std::ptrdiff_t>(P));
      if (!detail::cholesky_solve(H, step, P)) {
        ctx.log("newton: the Hessian is singular (duplicate or constant features, and l2 = 0?); stopping");
        throw model_error("train: the Hessian is not positive definite; set l2 > 0 (duplicate or constant features)");
      }
      if (K == model_kind::softmax) {  // no step along the shift of all biases: the objective ignores it
        double mean = 0;
        for (std::size_t i = nw; i < P; ++i) mean += step[i];
        mean /= static_cast<double>(P - nw);
        for (std::size_t i = nw; i < P; ++i) step[i] -= mean;
      }
      prev = theta;
      prev_obj = obj;
      scale = 1.0;
      double dmax = 0, tmax = 0;
      for (std::size_t i = 0; i < P; ++i) {
        theta[i] -= step[i];
        dmax = std::max(dmax, std::abs(step[i]));
        tmax = std::max(tmax, std::abs(theta[i]));
      }
      if (K == model_kind::linear || dmax <= tolerance * (1.0 + tmax)) {
        rep.converged = true;
        break;
      }
    }
    ctx.log("newton: " + std::to_string(rep.epochs) + " passes, loss " + std::to_string(rep.train_loss));
    return theta;
  }

  double epoch_learning_rate(std::size_t e) const;

  // One update from the mean gradient G (its first P entries): Adam or SGD with momentum, then the l1 prox.
  void step_minibatch(std::vector<double>& theta, const std::vector<double>& G, std::vector<double>& v,
                      std::vector<double>& m2, bool adam, double lr, double& b1t, double& b2t,
                      const detail::glm_shape& s) const {
    const std::size_t P = theta.size();
    if (adam) {
      b1t *= beta1, b2t *= beta2;
      const double a = lr * std::sqrt(1.0 - b2t) / (1.0 - b1t);
      for (std::size_t i = 0; i < P; ++i) {
        v[i] = beta1 * v[i] + (1.0 - beta1) * G[i];
        m2[i] = beta2 * m2[i] + (1.0 - beta2) * G[i] * G[i];
        theta[i] -= a * v[i] / (std::sqrt(m2[i]) + 1e-8);
      }
    } else {
      for (std::size_t i = 0; i < P; ++i) {
        v[i] = momentum * v[i] + G[i];
        theta[i] -= lr * v[i];
      }
    }
    if (l1 > 0) detail::l1_prox(theta, s, lr * l1);
  }

  // Synchronous data-parallel minibatch SGD/Adam: at step t every rank takes its own t-th batch (its blocks in
  // the seeded order, `batch_size` rows each); the gradient sums and row counts of all ranks are summed and one
  // step is taken on their mean, identically on every rank. So N ranks run one process's algorithm with
  // batches of up to N * batch_size rows, each made of one piece per shard: not the single-process iterates
  // (which see batch_size rows a step), but the same objective and optimum; with Newton the result is the same.
  template <block_source Source>
  std::vector<double> minibatch_parallel(Source& src, Source* eval, const detail::glm_shape& s,
                                         std::span<const double> cw, bool adam, training_report& rep,
                                         context& ctx) const {
    const collective& cl = *ctx.collective();
    const std::size_t P = s.params(), nw = s.d * s.k, nb = src.block_count();
    std::vector<double> theta(P, 0.0), G(P + 2), v(P, 0.0), m2(P, 0.0), best;
    std::vector<std::size_t> order(nb);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(seed + static_cast<std::uint64_t>(cl.rank()));
    const double total_rows = static_cast<double>(cl.sum(std::uint64_t{src.rows()}));
    const double eval_rows = eval ? static_cast<double>(cl.sum(std::uint64_t{eval->rows()})) : 0.0;
    double best_eval = std::numeric_limits<double>::infinity(), b1t = 1.0, b2t = 1.0;
    std::size_t since_best = 0;
    struct batch {
      std::size_t block, r0, r1;
    };
    for (std::size_t e = 0; e < epochs; ++e) {
      if (shuffle)
        for (std::size_t i = nb; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
      std::vector<batch> mine;
      for (std::size_t b : order) {
        const std::size_t n = std::min(src.rows(), (b + 1) * src.block_rows()) - b * src.block_rows();
        for (std::size_t r0 = 0; r0 < n; r0 += batch_size) mine.push_back({b, r0, std::min(n, r0 + batch_size)});
      }
      std::vector<std::uint64_t> counts(static_cast<std::size_t>(cl.size()), 0);
      counts[static_cast<std::size_t>(cl.rank())] = mine.size();
      cl.sum(std::span<std::uint64_t>(counts));
      const std::uint64_t steps = *std::max_element(counts.begin(), counts.end());
      const double lr = epoch_learning_rate(e);
      double loss = 0;
      std::size_t held = static_cast<std::size_t>(-1);
      training_block blk;
      for (std::uint64_t t = 0; t < steps; ++t) {
        std::fill(G.begin(), G.end(), 0.0);
        if (t < mine.size()) {
          const auto& bt = mine[t];
          if (held != bt.block) blk = src.block(bt.block), held = bt.block;
          G[P + 1] = detail::accumulate_gradient<K>(blk, bt.r0, bt.r1, theta.data(), s, cw, G.data());
          G[P] = static_cast<double>(bt.r1 - bt.r0);
        }
        cl.sum(std::span<double>(G));
        loss += G[P + 1];
        const double inv = 1.0 / G[P];
        for (std::size_t i = 0; i < P; ++i) G[i] *= inv;
        for (std::size_t i = 0; i < nw; ++i) G[i] += l2 * theta[i];
        step_minibatch(theta, G, v, m2, adam, lr, b1t, b2t, s);
      }
      rep.epochs = e + 1;
      rep.train_loss = loss / total_rows;
      if (!std::isfinite(rep.train_loss))
        throw model_error("train: the loss diverged at epoch " + std::to_string(e + 1) + "; lower learning_rate");
      if (eval && early_stopping > 0) {
        double el = 0;
        for (std::size_t b = 0; b < eval->block_count(); ++b) el += detail::block_loss<K>(eval->block(b), theta.data(), s, cw);
        el = cl.sum(el) / std::max(eval_rows, 1.0);
        if (el < best_eval - tolerance) {
          best_eval = el, best = theta, since_best = 0, rep.best_epoch = e + 1;
        } else if (++since_best >= early_stopping) {
          ctx.log("early stopping after epoch " + std::to_string(e + 1));
          break;
        }
      }
    }
    if (eval && early_stopping > 0) rep.eval_loss = best_eval;
    if (early_stopping > 0 && !best.empty()) theta = best;
    return theta;
  }

  // Minibatch SGD (momentum) or Adam, with an l1 proximal step, over blocks in a seeded order.
  template <block_source Source>
  std::vector<double> minibatch(Source& src, Source* eval, const detail::glm_shape& s, std::span<const double> cw,
                                bool adam, training_report& rep, context& ctx) const {
    const std::size_t P = s.params(), nw = s.d * s.k, nb = src.block_count();
    std::vector<double> theta(P, 0.0), G(P), v(P, 0.0), m2(P, 0.0), best, work;
    std::vector<std::size_t> order(nb);
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::mt19937_64 rng(seed);
    double best_eval = std::numeric_limits<double>::infinity();
    std::size_t since_best = 0;
    double b1t = 1.0, b2t = 1.0;
    for (std::size_t e = 0; e < epochs; ++e) {
      if (shuffle)  // Fisher-Yates with the raw engine: the same order on every platform
        for (std::size_t i = nb; i > 1; --i) std::swap(order[i - 1], order[rng() % i]);
      const double lr = epoch_learning_rate(e);
      double loss = 0;
      for (std::size_t bi = 0; bi < nb; ++bi) {
        const std::size_t b = order[bi];
        // The fused source may hand out the table's own columns (affine transforms folded into the weights)
        std::optional<column_block> cols;
        if constexpr (K != model_kind::softmax && requires { src.columns(b); })
          if (cw.empty()) cols = src.columns(b);
        training_block blk;
        if (!cols) blk = src.block(b);
        const std::size_t n = cols ? cols->rows : blk.x.rows;
        for (std::size_t r0 = 0; r0 < n; r0 += batch_size) {
          const std::size_t r1 = std::min(n, r0 + batch_size);
          std::fill(G.begin(), G.end(), 0.0);
          if (!cols) {
            loss += detail::accumulate_gradient<K>(blk, r0, r1, theta.data(), s, cw, G.data());
          } else if constexpr (K != model_kind::softmax && requires { src.rows(b, r0, r1); }) {
            auto rows = [&](std::size_t c0, std::size_t c1) { return src.rows(b, c0, c1); };
            loss += detail::accumulate_gradient_columns<K>(*cols, r0, r1, theta.data(), s, G.data(), work, rows);
          }
          const double inv = 1.0 / static_cast<double>(r1 - r0);
          for (std::size_t i = 0; i < P; ++i) G[i] *= inv;
          for (std::size_t i = 0; i < nw; ++i) G[i] += l2 * theta[i];
          step_minibatch(theta, G, v, m2, adam, lr, b1t, b2t, s);
        }
      }
      rep.epochs = e + 1;
      rep.train_loss = loss / static_cast<double>(src.rows());
      if (!std::isfinite(rep.train_loss))
        throw model_error("train: the loss diverged at epoch " + std::to_string(e + 1) + "; lower learning_rate");
      if (eval && early_stopping > 0) {
        double el = 0;
        for (std::size_t b = 0; b < eval->block_count(); ++b) el += detail::block_loss<K>(eval->block(b), theta.data(), s, cw);
        el /= static_cast<double>(std::max<std::size_t>(eval->rows(), 1));
        ctx.log("epoch " + std::to_string(e + 1) + ": train loss " + std::to_string(rep.train_loss) + ", eval loss " +
                std::to_string(el));
        if (el < best_eval - tolerance) {
          best_eval = el, best = theta, since_best = 0, rep.best_epoch = e + 1;
        } else if (early_stopping > 0 && ++since_best >= early_stopping) {
          ctx.log("early stopping after epoch " + std::to_string(e + 1) + " (best epoch " +
                  std::to_string(rep.best_epoch) + ")");
          break;
        }
      }
    }
    if (eval && early_stopping > 0) rep.eval_loss = best_eval;
    if (early_stopping > 0 && !best.empty()) theta = best;
    return theta;
  }
};

#ifndef MLPIPE_HEADER_ONLY
// Trained once in libmlpipe (src/train.cpp) for each model kind: a user's program compiles no optimizer.
extern template struct train<linear_regression>;
extern template struct train<logistic_regression>;
extern template struct train<softmax_regression>;
#endif

}  // namespace mlpipe

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/train/impl/train.ipp>
#endif
