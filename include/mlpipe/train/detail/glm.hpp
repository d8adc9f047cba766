// mlpipe/train/detail/glm.hpp: the arithmetic of linear, logistic and softmax regression on feature blocks:
// per-row loss and gradient, minibatch steps (SGD with momentum, Adam, L1 proximal step), Newton passes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include <mlpipe/train/block_source.hpp>
#include <mlpipe/train/model.hpp>

namespace mlpipe::detail {

/// Parameters theta, (d + 1) × k feature-major: theta[j * k + c] is the weight of feature j for output c, and
/// row d holds the biases. Objective: (1/n) sum_i w_i loss_i + l2/2 |W|^2 + l1 |W|_1 (biases unpenalized).
struct glm_shape {
  std::size_t d = 0, k = 1;
  std::size_t params() const noexcept { return (d + 1) * k; }
};

inline double softplus(double z) noexcept { return z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z)); }

/// Loss of one row and dloss/dz into gz (k values), times the row's weight. z holds the k scores on entry.
template <model_kind K>
inline double row_loss_grad(double* z, double y, double w, double* gz, std::size_t k) noexcept {
  if constexpr (K == model_kind::linear) {
    double r = z[0] - y;
    gz[0] = w * r;
    return w * 0.5 * r * r;
  } else if constexpr (K == model_kind::logistic) {
    double p = sigmoid(z[0]);
    gz[0] = w * (p - y);
    return w * (softplus(z[0]) - y * z[0]);
  } else {
    auto yi = static_cast<std::size_t>(y);
    double m = z[0];
    for (std::size_t c = 1; c < k; ++c) m = std::max(m, z[c]);
    double s = 0;
    for (std::size_t c = 0; c < k; ++c) s += std::exp(z[c] - m);
    double lse = m + std::log(s);
    for (std::size_t c = 0; c < k; ++c) gz[c] = w * (std::exp(z[c] - lse) - (c == yi ? 1.0 : 0.0));
    return w * (lse - z[yi]);
  }
}

/// x . w with four partial sums: breaks the add latency chain (the compiler may not reassociate it itself).
inline double dot(const double* x, const double* w, std::size_t d) noexcept {
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  std::size_t j = 0;
  for (; j + 4 <= d; j += 4) {
    a0 += x[j] * w[j];
    a1 += x[j + 1] * w[j + 1];
    a2 += x[j + 2] * w[j + 2];
    a3 += x[j + 3] * w[j + 3];
  }
  for (; j < d; ++j) a0 += x[j] * w[j];
  return (a0 + a1) + (a2 + a3);
}

/// Scores z = theta_bias + x . W for one row.
inline void row_scores(const double* x, const double* theta, const glm_shape& s, double* z) noexcept {
  const std::size_t d = s.d, k = s.k;
  if (k == 1) {
    z[0] = theta[d] + dot(x, theta, d);
    return;
  }
  const double* b = theta + d * k;
  for (std::size_t c = 0; c < k; ++c) z[c] = b[c];
  for (std::size_t j = 0; j < d; ++j) {
    const double xj = x[j];
    const double* w = theta + j * k;
    for (std::size_t c = 0; c < k; ++c) z[c] += xj * w[c];
  }
}

/// Adds the gradient of rows [r0, r1) of a block to G (params values, not cleared), returns the summed loss.
template <model_kind K>
inline double accumulate_gradient(const training_block& blk, std::size_t r0, std::size_t r1, const double* theta,
                                  const glm_shape& s, std::span<const double> class_w, double* G) noexcept {
  const std::size_t d = s.d, k = s.k;
  if constexpr (K == model_kind::logistic) {
    if (class_w.empty()) {
      // One exp per row: e = exp(-|z|) gives p and the loss softplus(z) - y z = max(z, 0) - y z + log(1 + e);
      // the log terms are summed as the log of a product, one log per 64 rows.
      // In three phases per chunk of 64 rows (scores, link, X^T g), so the rows' work pipelines instead of
      // waiting on one row's dot -> exp -> gradient chain.
      double lin = 0, logs = 0;
      double zb[64], gb[64];
      for (std::size_t c0 = r0; c0 < r1; c0 += 64) {
        const std::size_t c1 = std::min(r1, c0 + 64), m = c1 - c0;
        for (std::size_t i = 0; i < m; ++i) zb[i] = theta[d] + dot(blk.x.row(c0 + i), theta, d);
        double prod = 1.0;
        for (std::size_t i = 0; i < m; ++i) {
          const double z = zb[i], y = blk.y[c0 + i];
          const double e = std::exp(-std::abs(z));
          const double inv = 1.0 / (1.0 + e);
          gb[i] = (z >= 0 ? inv : e * inv) - y;
          lin += (z > 0 ? z : 0.0) - y * z;
          prod *= 1.0 + e;  // 1 + e is in [1, 2]: 64 rows stay far below overflow
        }
        logs += std::log(prod);
        for (std::size_t i = 0; i < m; ++i) {
          const double* x = blk.x.row(c0 + i);
          const double g = gb[i];
          for (std::size_t j = 0; j < d; ++j) G[j] += x[j] * g;
          G[d] += g;
        }
      }
      return lin + logs;
    }
  }
  double loss = 0;
  double z[64] = {}, gz[64] = {};  // k <= 64 is checked by the caller for the stack path
  for (std::size_t r = r0; r < r1; ++r) {
    const double* x = blk.x.row(r);
    const double y = blk.y[r];
    const double w = class_w.empty() ? 1.0 : class_w[static_cast<std::size_t>(y)];
    row_scores(x, theta, s, z);
    loss += row_loss_grad<K>(z, y, w, gz, k);
    if (k == 1) {
      const double g = gz[0];
      for (std::size_t j = 0; j < d; ++j) G[j] += x[j] * g;
      G[d] += g;
    } else {
      for (std::size_t j = 0; j < d; ++j) {
        const double xj = x[j];
        double* Gj = G + j * k;
        for (std::size_t c = 0; c < k; ++c) Gj[c] += xj * gz[c];
      }
      for (std::size_t c = 0; c < k; ++c) G[d * k + c] += gz[c];
    }
  }
  return loss;
}

/// The summed (weighted) loss of a block's rows.
template <model_kind K>
inline double block_loss(const training_block& blk, const double* theta, const glm_shape& s,
                          std::span<const double> class_w) noexcept {
  double loss = 0, z[64] = {}, gz[64] = {};
  for (std::size_t r = 0; r < blk.x.rows; ++r) {
    const double y = blk.y[r];
    const double w = class_w.empty() ? 1.0 : class_w[static_cast<std::size_t>(y)];
    row_scores(blk.x.row(r), theta, s, z);
    loss += row_loss_grad<K>(z, y, w, gz, s.k);
  }
  return loss;
}

/// Adds the gradient and the Hessian (lower triangle, P × P row-major) of a block's rows; returns the loss.
template <model_kind K>
inline double accumulate_newton(const training_block& blk, const double* theta, const glm_shape& s,
                                std::span<const double> class_w, double* G, double* H) {
  const std::size_t d = s.d, k = s.k, D = d + 1, P = D * k;
  double loss = 0, z[64] = {}, gz[64] = {};
  std::vector<double> xt(D);
  xt[d] = 1.0;
  for (std::size_t r = 0; r < blk.x.rows; ++r) {
    const double* x = blk.x.row(r);
    std::copy(x, x + d, xt.begin());
    const double y = blk.y[r];
    const double w = class_w.empty() ? 1.0 : class_w[static_cast<std::size_t>(y)];
    row_scores(x, theta, s, z);
    loss += row_loss_grad<K>(z, y, w, gz, k);
    for (std::size_t a = 0; a < D; ++a)
      for (std::size_t c = 0; c < k; ++c) G[a * k + c] += xt[a] * gz[c];
    if constexpr (K != model_kind::softmax) {
      double h;
      if constexpr (K == model_kind::linear)
        h = w;
      else {
        double p = sigmoid(z[0]);
        h = w * p * (1.0 - p);
      }
      for (std::size_t a = 0; a < D; ++a) {
        const double ha = h * xt[a];
        double* Ha = H + a * P;
        for (std::size_t b = 0; b <= a; ++b) Ha[b] += ha * xt[b];
      }
    } else {
      // p_c from gz: gz_c = w (p_c - [c == y])
      double p[64];
      const auto yi = static_cast<std::size_t>(y);
      for (std::size_t c = 0; c < k; ++c) p[c] = (w > 0 ? gz[c] / w : 0.0) + (c == yi ? 1.0 : 0.0);
      for (std::size_t a = 0; a < D; ++a)
        for (std::size_t b = 0; b <= a; ++b) {
          const double xx = w * xt[a] * xt[b];
          if (xx == 0.0) continue;
          for (std::size_t c = 0; c < k; ++c) {
            double* Hrow = H + (a * k + c) * P + b * k;
            const std::size_t cmax = (b == a) ? c + 1 : k;
            for (std::size_t c2 = 0; c2 < cmax; ++c2) Hrow[c2] += xx * ((c == c2 ? p[c] : 0.0) - p[c] * p[c2]);
          }
        }
    }
  }
  return loss;
}

/// Soft thresholding of the weights (not the biases): the proximal step of l1.
inline void l1_prox(std::vector<double>& theta, const glm_shape& s, double t) noexcept {
  const std::size_t nw = s.d * s.k;
  for (std::size_t i = 0; i < nw; ++i) {
    double v = theta[i];
    theta[i] = v > t ? v - t : (v < -t ? v + t : 0.0);
  }
}

}  // namespace mlpipe::detail
