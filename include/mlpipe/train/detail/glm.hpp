// mlpipe/train/detail/glm.hpp: the arithmetic of linear, logistic and softmax regression on feature blocks:
// per-row loss and gradient, minibatch steps (SGD with momentum, Adam, L1 proximal step), Newton passes.
#pragma once

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include <mlpipe/data/detail/cpu.hpp>
#include <mlpipe/train/block_source.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/detail/fast_exp.hpp>
#include <mlpipe/transform/detail/lanes.hpp>

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

/// Product of g[i].
[[gnu::always_inline]] inline double lane_product(const double* g, std::size_t m) noexcept {
  v2d a = {1, 1}, b = {1, 1};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) a *= load2(g + i), b *= load2(g + i + 2);
  double t = 1;
  for (; i < m; ++i) t *= g[i];
  return ((a[0] * t) * a[1]) * (b[0] * b[1]);
}

/// Sum of g[i] * x[i] (x may be g itself).
[[gnu::always_inline]] inline double sum_products(const double* g, const double* x, std::size_t m) noexcept {
  v2d a = {0, 0}, b = {0, 0};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) a += load2(g + i) * load2(x + i), b += load2(g + i + 2) * load2(x + i + 2);
  double t = 0;
  for (; i < m; ++i) t += g[i] * x[i];
  return lanes_sum(a, b, t);
}

/// Sums of g[i] * x_c[i] for 4 columns x_c at once (g loaded once), added to out[0..3].
[[gnu::always_inline]] inline void add_products4(const double* g, const double* const* x, std::size_t c0, std::size_t m,
                          double* out) noexcept {
  const double *x0 = x[0] + c0, *x1 = x[1] + c0, *x2 = x[2] + c0, *x3 = x[3] + c0;
  v2d a0 = {0, 0}, b0 = {0, 0}, a1 = {0, 0}, b1 = {0, 0}, a2 = {0, 0}, b2 = {0, 0}, a3 = {0, 0}, b3 = {0, 0};
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    const v2d ga = load2(g + i), gb = load2(g + i + 2);
    a0 += ga * load2(x0 + i), b0 += gb * load2(x0 + i + 2);
    a1 += ga * load2(x1 + i), b1 += gb * load2(x1 + i + 2);
    a2 += ga * load2(x2 + i), b2 += gb * load2(x2 + i + 2);
    a3 += ga * load2(x3 + i), b3 += gb * load2(x3 + i + 2);
  }
  double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
  for (; i < m; ++i) t0 += g[i] * x0[i], t1 += g[i] * x1[i], t2 += g[i] * x2[i], t3 += g[i] * x3[i];
  out[0] += lanes_sum(a0, b0, t0);
  out[1] += lanes_sum(a1, b1, t1);
  out[2] += lanes_sum(a2, b2, t2);
  out[3] += lanes_sum(a3, b3, t3);
}

/// The logistic link of m <= 64 scores: g[i] = sigmoid(z[i]) - y[i]; returns the summed loss
/// softplus(z) - y z = max(z, 0) - y z + log(1 + exp(-|z|)). One exp per row; the log terms are summed as the
/// log of a product (each factor in [1, 2], so 64 of them stay far from overflow): one log per call.
/// An element loop (vectorized by the compiler) and lane reductions.
[[gnu::always_inline]] inline double logistic_link(const double* z, const double* y, double* __restrict g, std::size_t m) noexcept {
  double lin[64], ope[64];
  for (std::size_t i = 0; i < m; ++i) {
    const double zi = z[i];
    const double e = exp_nonpos(-std::abs(zi));
    const double inv = 1.0 / (1.0 + e);
    g[i] = sign_select(zi, inv, e * inv) - y[i];  // sigmoid(z)
    lin[i] = (zi > 0 ? zi : 0.0) - y[i] * zi;
    ope[i] = 1.0 + e;
  }
  return lane_sum(lin, m) + std::log(lane_product(ope, m));
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
      // In three phases per chunk of 64 rows (scores, link, X^T g), so the rows' work pipelines instead of
      // waiting on one row's dot -> exp -> gradient chain.
      double loss = 0, zb[64], gb[64];
      for (std::size_t c0 = r0; c0 < r1; c0 += 64) {
        const std::size_t m = std::min(r1, c0 + 64) - c0;
        for (std::size_t i = 0; i < m; ++i) zb[i] = theta[d] + dot(blk.x.row(c0 + i), theta, d);
        loss += logistic_link(zb, blk.y.data() + c0, gb, m);
        for (std::size_t i = 0; i < m; ++i) {
          const double* x = blk.x.row(c0 + i);
          const double g = gb[i];
          for (std::size_t j = 0; j < d; ++j) G[j] += x[j] * g;
          G[d] += g;
        }
      }
      return loss;
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

/// The fused minibatch step on a column_block: adds to G what accumulate_gradient adds for the features, but
/// computed from the raw columns, with no feature written. With feature x'_j = a_j x_j + c_j:
///   z = (b + sum_j w_j c_j) + sum_j (w_j a_j) x_j,   dW_j = a_j sum_i g_i x_ij + c_j sum_i g_i.
/// Rows go in chunks of 64: scores column by column (contiguous loads), the link, then sum g x_j; the chunk's
/// columns are still in L1 for the second pass. A chunk whose scores are not finite (a NaN or infinity among
/// its values: NaN * w and inf * 0 are NaN) is validated and transformed row-wise by `rows(c0, c1)` (which
/// imputes or throws) and goes through accumulate_gradient. `work` is scratch (2 d doubles). Returns the loss.
template <model_kind K, class Rows>
[[gnu::always_inline]] inline double gradient_columns_body(const column_block& cb, std::size_t r0, std::size_t r1,
                                                           const double* theta, const glm_shape& s, double* G,
                                                           std::vector<double>& work, Rows& rows) {
  static_assert(K != model_kind::softmax, "softmax trains on feature blocks");
  const std::size_t d = s.d;
  work.assign(2 * d, 0.0);
  double* wr = work.data();  // weights on the raw columns
  double* gr = wr + d;       // sum g x_j on the raw columns
  double b = theta[d];
  for (std::size_t j = 0; j < d; ++j) wr[j] = theta[j] * cb.scale[j], b += theta[j] * cb.shift[j];
  const double* const* X = cb.columns.data();
  double gsum = 0, loss = 0, z[64], g[64];
  for (std::size_t c0 = r0; c0 < r1; c0 += 64) {
    const std::size_t m = std::min(r1, c0 + 64) - c0;
    for (std::size_t i = 0; i < m; ++i) z[i] = b;
    std::size_t j = 0;
    for (; j + 4 <= d; j += 4) {
      const double *x0 = X[j] + c0, *x1 = X[j + 1] + c0, *x2 = X[j + 2] + c0, *x3 = X[j + 3] + c0;
      const double w0 = wr[j], w1 = wr[j + 1], w2 = wr[j + 2], w3 = wr[j + 3];
      for (std::size_t i = 0; i < m; ++i) z[i] += (w0 * x0[i] + w1 * x1[i]) + (w2 * x2[i] + w3 * x3[i]);
    }
    for (; j < d; ++j) {
      const double* x0 = X[j] + c0;
      const double w0 = wr[j];
      for (std::size_t i = 0; i < m; ++i) z[i] += w0 * x0[i];
    }
    if (any_non_finite(z, m)) {
      training_block tb = rows(c0, c0 + m);
      loss += accumulate_gradient<K>(tb, 0, m, theta, s, {}, G);
      continue;
    }
    const double* y = cb.y.data() + c0;
    if constexpr (K == model_kind::logistic) {
      loss += logistic_link(z, y, g, m);
    } else {
      for (std::size_t i = 0; i < m; ++i) g[i] = z[i] - y[i];
      loss += 0.5 * sum_products(g, g, m);
    }
    gsum += lane_sum(g, m);
    for (j = 0; j + 4 <= d; j += 4)
      add_products4(g, X + j, c0, m, gr + j);
    for (; j < d; ++j) gr[j] += sum_products(g, X[j] + c0, m);
  }
  for (std::size_t j = 0; j < d; ++j) G[j] += cb.scale[j] * gr[j] + cb.shift[j] * gsum;
  G[d] += gsum;
  return loss;
}

#if MLPIPE_X86_DISPATCH
/// The same body compiled for AVX2 (4 doubles per vector in the element loops), chosen at run time. No FMA:
/// every operation rounds as in the SSE2 build and the lanes are fixed, so both give bit-identical results.
template <model_kind K, class Rows>
__attribute__((target("avx2"))) double gradient_columns_avx2(const column_block& cb, std::size_t r0, std::size_t r1,
                                                             const double* theta, const glm_shape& s, double* G,
                                                             std::vector<double>& work, Rows& rows) {
  return gradient_columns_body<K>(cb, r0, r1, theta, s, G, work, rows);
}
#endif

/// Whether accumulate_gradient_columns runs its AVX2 build (when the CPU has AVX2; tests switch it off to
/// check that both builds agree bit for bit).
inline bool& use_avx2() noexcept {
  static bool on = cpu_has_avx2();
  return on;
}

template <model_kind K, class Rows>
double accumulate_gradient_columns(const column_block& cb, std::size_t r0, std::size_t r1, const double* theta,
                                   const glm_shape& s, double* G, std::vector<double>& work, Rows&& rows) {
#if MLPIPE_X86_DISPATCH
  if (use_avx2()) return gradient_columns_avx2<K>(cb, r0, r1, theta, s, G, work, rows);
#endif
  return gradient_columns_body<K>(cb, r0, r1, theta, s, G, work, rows);
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
