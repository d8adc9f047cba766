// mlpipe/train/detail/glm.hpp: the arithmetic of linear, logistic and softmax regression on feature blocks:
// per-row loss and gradient, minibatch steps (SGD with momentum, Adam, L1 proximal step), Newton passes.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
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

/// The link of N rows, or N fours (V = double or v4d), step by step together: g = dloss/dz, and the loss
/// terms: lin += the part without a log, ope *= the argument of the log (logistic: softplus(z) - y z =
/// max(z, 0) - y z + log(1 + exp(-|z|)), with max(z, 0) = (z + |z|) / 2). lin and ope take the N values in
/// order u = 0, 1, ...
template <model_kind K, std::size_t N, class Isa = isa_baseline, class V>
[[gnu::always_inline]] inline void link_terms(const V* z, const V* y, V* g, V& lin, V& ope) noexcept {
  if constexpr (K == model_kind::logistic) {
    V nz[N], e[N];
#pragma GCC unroll 4
    for (std::size_t u = 0; u < N; ++u) negative_abs(z[u], nz[u]);
    exp_nonpos_n<N, Isa>(nz, e);
#pragma GCC unroll 4
    for (std::size_t u = 0; u < N; ++u) {
      V p;
      sigmoid_from_exp<Isa>(z[u], e[u], p);
      g[u] = p - y[u];
      lin += 0.5 * (z[u] - nz[u]) - y[u] * z[u];
      ope *= 1.0 + e[u];
    }
  } else {
#pragma GCC unroll 4
    for (std::size_t u = 0; u < N; ++u) {
      g[u] = z[u] - y[u];
      lin += 0.5 * (g[u] * g[u]);
    }
  }
}

/// The logistic link of m <= 64 scores: g[i] = sigmoid(z[i]) - y[i]; returns the summed loss (link_terms, one row
/// at a time in a loop the compiler vectorizes). The log terms are summed as the log of a product (each factor in
/// [1, 2], so 64 of them stay far from overflow): one log per call.
[[gnu::always_inline]] inline double logistic_link(const double* z, const double* y, double* __restrict g, std::size_t m) noexcept {
  double lin[64], ope[64];
  for (std::size_t i = 0; i < m; ++i) {
    lin[i] = 0, ope[i] = 1;
    link_terms<model_kind::logistic, 1>(z + i, y + i, g + i, lin[i], ope[i]);
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

/// out = t[0] + ... + t[W-1] as a balanced tree ((t0 + t1) + (t2 + t3)) + ...: short add chains, fixed order.
template <std::size_t W, class V>
[[gnu::always_inline]] inline void tree_sum(const V* t, V& out) noexcept {
  static_assert(W == 1 || W == 4 || W == 8);
  if constexpr (W == 1) {
    out = t[0];
  } else if constexpr (W == 4) {
    out = (t[0] + t[1]) + (t[2] + t[3]);
  } else {
    V lo, hi;
    tree_sum<W / 2>(t, lo);
    tree_sum<W / 2>(t + W / 2, hi);
    out = lo + hi;
  }
}

/// z[i] += sum_k w[k] x_k[c0 + i] for i < m and W columns X[0..W): four rows per v4d, the W products summed as a
/// tree, then added to z (in L1), or to `first` for the chunk's first columns (z is not read then). The k loops
/// are unrolled so that the W vectors live in registers.
template <std::size_t W>
[[gnu::always_inline]] inline void add_scores(const double* const* X, const double* w, std::size_t c0, std::size_t m,
                                              double* z, const double* first) noexcept {
  const double* x[W];
  double wk[W];
#pragma GCC unroll 16
  for (std::size_t k = 0; k < W; ++k) x[k] = X[k] + c0, wk[k] = w[k];
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    v4d t[W], zv, sv;
#pragma GCC unroll 16
    for (std::size_t k = 0; k < W; ++k) {
      load4(x[k] + i, t[k]);
      t[k] *= wk[k];
    }
    tree_sum<W>(t, sv);
    if (first)
      zv = *first + sv;
    else
      load4(z + i, zv), zv += sv;
    store4(z + i, zv);
  }
  for (; i < m; ++i) {
    double t[W], sv;
#pragma GCC unroll 16
    for (std::size_t k = 0; k < W; ++k) t[k] = x[k][i] * wk[k];
    tree_sum<W>(t, sv);
    z[i] = (first ? *first : z[i]) + sv;
  }
}

/// For W columns: acc lanes (4 per column) += g[i] x_k[c0 + i] over the rows in fours, tail[k] += the rest.
/// W accumulators in registers, each a chain of m / 4 adds; W = 8 keeps the adds' latency hidden.
template <std::size_t W>
[[gnu::always_inline]] inline void add_products(const double* g, const double* const* X, std::size_t c0, std::size_t m,
                                                double* acc, double* tail) noexcept {
  const double* x[W];
  v4d a[W];
#pragma GCC unroll 8
  for (std::size_t k = 0; k < W; ++k) x[k] = X[k] + c0, load4(acc + 4 * k, a[k]);
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    v4d gv;
    load4(g + i, gv);
#pragma GCC unroll 8
    for (std::size_t k = 0; k < W; ++k) {
      v4d xv;
      load4(x[k] + i, xv);
      a[k] += gv * xv;
    }
  }
#pragma GCC unroll 8
  for (std::size_t k = 0; k < W; ++k) store4(acc + 4 * k, a[k]);
  for (; i < m; ++i) {
#pragma GCC unroll 8
    for (std::size_t k = 0; k < W; ++k) tail[k] += g[i] * x[k][i];
  }
}

/// Rows per chunk of the fused step: the chunk's scores and link values stay in L1.
inline constexpr std::size_t fused_chunk_rows = 64;

/// Asks for the next chunk's rows of every column (and the targets) to be brought into L2 while this chunk's
/// link and gradient are computed. The epoch reads its columns in lockstep, 512 bytes of each at a time, a
/// pattern the hardware prefetchers follow only a few lines ahead: without this, the memory reads of one chunk
/// and the arithmetic of the one before hardly overlap (measured: the epoch took the time of its reads plus
/// that of its arithmetic). Further ahead or into L1 measured slower.
[[gnu::always_inline]] inline void prefetch_chunk(const double* const* X, std::size_t d, const double* y,
                                                  std::size_t row) noexcept {
  for (std::size_t j = 0; j < d; ++j)
    for (std::size_t l = 0; l < fused_chunk_rows; l += 8) __builtin_prefetch(X[j] + row + l, 0, 2);
  for (std::size_t l = 0; l < fused_chunk_rows; l += 8) __builtin_prefetch(y + row + l, 0, 2);
}

/// The fused minibatch step on a column_block: adds to G what accumulate_gradient adds for the features, but
/// computed from the raw columns, with no feature written. With feature x'_j = a_j x_j + c_j:
///   z = (b + sum_j w_j c_j) + sum_j (w_j a_j) x_j,   dW_j = a_j sum_i g_i x_ij + c_j sum_i g_i.
/// Rows go in chunks of 64: scores eight columns at a time (contiguous loads; all sixteen at once measured
/// slower), the link four v4d at a time, then sum g x_j from cache; the next chunk is prefetched meanwhile.
/// Sums run in four fixed lanes (rows i = l mod 4 of each
/// chunk's first m - m % 4 rows; the rest in a scalar tail), so every build gives the same bits. A chunk whose
/// scores are not finite (a NaN or infinity among its values: NaN * w and inf * 0 are NaN) is validated and
/// transformed row-wise by `rows(c0, c1)` (which imputes or throws) and goes through accumulate_gradient.
/// `work` is scratch. Returns the loss.
template <model_kind K, class Isa, class Rows>
[[gnu::always_inline]] inline double gradient_columns_body(const column_block& cb, std::size_t r0, std::size_t r1,
                                                           const double* theta, const glm_shape& s, double* G,
                                                           std::vector<double>& work, Rows& rows) {
  static_assert(K != model_kind::softmax, "softmax trains on feature blocks");
  const std::size_t d = s.d;
  work.assign(6 * d, 0.0);
  double* wr = work.data();  // weights on the raw columns
  double* acc = wr + d;      // sum g x_j on the raw columns: four lanes per column
  double* tail = acc + 4 * d;  // and the rows beyond the lanes
  double b = theta[d];
  for (std::size_t j = 0; j < d; ++j) wr[j] = theta[j] * cb.scale[j], b += theta[j] * cb.shift[j];
  const double* const* X = cb.columns.data();
  v4d gsum = {}, lin = {};
  double gsum_t = 0, lin_t = 0, logs = 0, ope_t = 1;
  v4d ope = {1, 1, 1, 1};
  std::size_t ope_rows = 0;  // rows in ope since its last log: at most 512, so the product stays below 2^512
  auto take_logs = [&] {
    logs += std::log(((ope[0] * ope[1]) * (ope[2] * ope[3])) * ope_t);
    ope = v4d{1, 1, 1, 1}, ope_t = 1, ope_rows = 0;
  };
  alignas(32) double z[fused_chunk_rows], g[fused_chunk_rows];
  for (std::size_t c0 = r0; c0 < r1; c0 += fused_chunk_rows) {
    const std::size_t m = std::min(r1, c0 + fused_chunk_rows) - c0, m4 = m - m % 4;
    std::size_t j = 0;
    const double* first = &b;  // the first group of columns starts the scores at b
    for (; j + 8 <= d; j += 8, first = nullptr) add_scores<8>(X + j, wr + j, c0, m, z, first);
    for (; j + 4 <= d; j += 4, first = nullptr) add_scores<4>(X + j, wr + j, c0, m, z, first);
    for (; j < d; ++j, first = nullptr) add_scores<1>(X + j, wr + j, c0, m, z, first);
    if (first)  // no features
      for (std::size_t i = 0; i < m; ++i) z[i] = b;
    if (any_non_finite(z, m)) {
      training_block tb = rows(c0, c0 + m);
      lin_t += accumulate_gradient<K>(tb, 0, m, theta, s, {}, G);
      continue;
    }
    const double* y = cb.y.data() + c0;
    if (const std::size_t next = c0 + fused_chunk_rows; next + fused_chunk_rows <= cb.rows)
      prefetch_chunk(X, d, cb.y.data(), next);
    std::size_t i = 0;
    for (; i + 16 <= m4; i += 16) {  // four v4d at a time: their exp chains overlap
      v4d zv[4], yv[4], gv[4];
#pragma GCC unroll 4
      for (std::size_t u = 0; u < 4; ++u) load4(z + i + 4 * u, zv[u]), load4(y + i + 4 * u, yv[u]);
      link_terms<K, 4, Isa>(zv, yv, gv, lin, ope);
#pragma GCC unroll 4
      for (std::size_t u = 0; u < 4; ++u) store4(g + i + 4 * u, gv[u]), gsum += gv[u];
    }
    for (; i < m4; i += 4) {
      v4d zv, yv, gv;
      load4(z + i, zv);
      load4(y + i, yv);
      link_terms<K, 1, Isa>(&zv, &yv, &gv, lin, ope);
      store4(g + i, gv);
      gsum += gv;
    }
    for (; i < m; ++i) {
      link_terms<K, 1>(z + i, y + i, g + i, lin_t, ope_t);
      gsum_t += g[i];
    }
    if (K == model_kind::logistic && (ope_rows += m) > 512 - fused_chunk_rows) take_logs();
    for (j = 0; j + 8 <= d; j += 8) add_products<8>(g, X + j, c0, m, acc + 4 * j, tail + j);
    for (; j + 4 <= d; j += 4) add_products<4>(g, X + j, c0, m, acc + 4 * j, tail + j);
    for (; j < d; ++j) add_products<1>(g, X + j, c0, m, acc + 4 * j, tail + j);
  }
  if (K == model_kind::logistic && ope_rows > 0) take_logs();
  const double gs = lanes4_sum(gsum) + gsum_t;
  for (std::size_t j = 0; j < d; ++j) {
    v4d a;
    load4(acc + 4 * j, a);
    G[j] += cb.scale[j] * (lanes4_sum(a) + tail[j]) + cb.shift[j] * gs;
  }
  G[d] += gs;
  return (lanes4_sum(lin) + lin_t) + logs;
}

#if MLPIPE_X86_DISPATCH
/// The same body compiled for AVX2 (4 doubles per vector in the element loops), chosen at run time. No FMA:
/// every operation rounds as in the SSE2 build and the lanes are fixed, so both give bit-identical results.
template <model_kind K, class Rows>
__attribute__((target("avx2"))) double gradient_columns_avx2(const column_block& cb, std::size_t r0, std::size_t r1,
                                                             const double* theta, const glm_shape& s, double* G,
                                                             std::vector<double>& work, Rows& rows) {
  return gradient_columns_body<K, isa_avx2>(cb, r0, r1, theta, s, G, work, rows);
}
#endif

/// Whether accumulate_gradient_columns runs its AVX2 build (when the CPU has AVX2; tests switch it off to
/// check that both builds agree bit for bit).
inline bool& use_avx2() noexcept {
  static bool on = cpu_has_avx2();
  return on;
}

/// Adds the gradient of rows [r0, r1) of a column_block to G (see gradient_columns_body).
template <model_kind K, class Rows>
double accumulate_gradient_columns(const column_block& cb, std::size_t r0, std::size_t r1, const double* theta,
                                   const glm_shape& s, double* G, std::vector<double>& work, Rows&& rows) {
#if MLPIPE_X86_DISPATCH
  if (use_avx2()) return gradient_columns_avx2<K>(cb, r0, r1, theta, s, G, work, rows);
#endif
  return gradient_columns_body<K, isa_baseline>(cb, r0, r1, theta, s, G, work, rows);
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
