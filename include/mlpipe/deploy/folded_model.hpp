// mlpipe/deploy/folded_model.hpp: `folded_model`, a linear, logistic or softmax model with its transform's affine
// numeric steps (standardize, min_max, constant imputation) folded into the weights: one dot product per row.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cmath>
#include <cstddef>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <mlpipe/core/detail/decl.hpp>
#include <mlpipe/data/table.hpp>
#include <mlpipe/train/model.hpp>
#include <mlpipe/transform/detail/fast_exp.hpp>
#include <mlpipe/transform/transform_graph.hpp>

// x86-64: also an AVX2 copy of the two hot loops, picked at load time on CPUs that have it (no FMA: the same
// operations in the same order, so the same bits on every CPU). Not under ThreadSanitizer: the clones' resolver
// runs while the program is relocated, before TSan's runtime is up, and its instrumented code crashes there.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_THREAD__)
#define MLPIPE_DETAIL_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define MLPIPE_DETAIL_VECTOR_CLONES
#endif

namespace mlpipe {

/// x_j = impute(v_j) * a_j + k_j feeds z = b + sum_j x_j W_j; folded, z = b' + sum_j impute(v_j) W'_j with
/// W'_j = a_j W_j and b' = b + sum_j k_j W_j, read straight from the input columns (no feature block). The
/// scores differ from the unfolded ones by rounding only (a few ulps of the largest term). A row is computed
/// the same way alone or inside a block, so a row's answer never depends on its neighbours.
class folded_model {
 public:
  /// The folded model when every transform column is a numeric value feature whose steps are imputations then
  /// at most one affine step (what impute_mean/median/constant, standardize and min_max fit); otherwise
  /// nothing (one-hot, bucketize, log1p, clip... keep the unfolded path).
  static std::optional<folded_model> fold(const transform_graph& g, const model& m);

  std::size_t outputs() const noexcept { return k_; }

  /// Scores z (rows * outputs) of the rows of `v`; false when `v` lacks a numeric input column or some score is
  /// not finite (a missing value the transform does not impute, an infinity): the unfolded path then says why.
  bool decision_function(const table_view& v, std::span<double> z) const;

  /// Probabilities (rows * classes), as model::predict_proba computes them from the scores.
  bool predict_proba(const table_view& v, std::span<double> out) const;

  /// One value per row: the value (linear) or the index of the most probable class (first on a tie).
  bool predict(const table_view& v, std::span<double> out) const;

 private:
  static constexpr std::size_t chunk_values = 2048;  // scores kept in L1 between the sweep and the output

  // model.hpp's sigmoid (1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) below), for the scores of a chunk, in a
  // loop the compiler vectorizes: training's branch-free e^-|z| (transform/detail/fast_exp.hpp) and the sign
  // chosen without a branch (a score's sign is a coin toss). Scores beyond +-708 take the scalar formula.
  MLPIPE_DETAIL_VECTOR_CLONES static void sigmoid(const double* z, double* p, std::size_t m) noexcept {
    for (std::size_t r = 0; r < m; ++r) {
      detail::sigmoid_from_exp(z[r], detail::exp_nonpos(-std::abs(z[r])), p[r]);
    }
    for (std::size_t r = 0; r < m; ++r)
      if (std::abs(z[r]) > 708.0) p[r] = detail::sigmoid(z[r]);
  }

  bool bind(const table_view& v, std::vector<const double*>& src) const;

  // Scores of rows [0, n) chunk by chunk into a small buffer, handed to `f(z, first_row, rows)`.
  template <class F>
  bool chunked(const std::vector<const double*>& src, std::size_t n, F&& f) const {
    const std::size_t rows = std::max<std::size_t>(1, chunk_values / k_);
    std::vector<double> z(std::min(n, rows) * k_);
    std::vector<const double*> at(terms_);
    for (std::size_t r0 = 0; r0 < n; r0 += rows) {
      const std::size_t m = std::min(rows, n - r0);
      for (std::size_t j = 0; j < terms_; ++j) at[j] = src[j] + r0;
      if (!scores(at, m, z.data())) return false;
      f(z.data(), r0, m);
    }
    return true;
  }

  // z = b' + sum_j impute(v_j) W'_j for n rows, sweeping the input columns (contiguous) in groups of four so
  // each score is loaded and stored once per group; the sum runs in column order for every row.
  bool scores(const std::vector<const double*>& src, std::size_t n, double* z) const {
    sweep(src.data(), n, z, terms_, k_, w_.data(), b_.data(), fill_.data());
    return !detail::any_non_finite(z, n * k_);
  }
  // z = b' + sum_j impute(v_j) W'_j (see scores)
  MLPIPE_DETAIL_VECTOR_CLONES static void sweep(const double* const* src, std::size_t n, double* z, std::size_t terms,
                                                std::size_t K, const double* wt, const double* bias, const double* fills) {
    for (std::size_t r = 0; r < n; ++r)
      for (std::size_t o = 0; o < K; ++o) z[r * K + o] = bias[o];
    auto val = [](const double* s, std::size_t r, double fill) {
      const double x = s[r];
      return x != x ? fill : x;  // fill is NaN for a column without imputation: the NaN stays
    };
    std::size_t j = 0;
    if (K == 1) {
      for (; j + 4 <= terms; j += 4) {
        const double *s0 = src[j], *s1 = src[j + 1], *s2 = src[j + 2], *s3 = src[j + 3];
        const double w0 = wt[j], w1 = wt[j + 1], w2 = wt[j + 2], w3 = wt[j + 3];
        const double f0 = fills[j], f1 = fills[j + 1], f2 = fills[j + 2], f3 = fills[j + 3];
        for (std::size_t r = 0; r < n; ++r) {
          double acc = z[r];
          acc += val(s0, r, f0) * w0;
          acc += val(s1, r, f1) * w1;
          acc += val(s2, r, f2) * w2;
          acc += val(s3, r, f3) * w3;
          z[r] = acc;
        }
      }
      for (; j < terms; ++j) {
        const double* s = src[j];
        const double w = wt[j], f = fills[j];
        for (std::size_t r = 0; r < n; ++r) z[r] += val(s, r, f) * w;
      }
    } else {
      for (; j < terms; ++j) {
        const double* s = src[j];
        const double* w = wt + j * K;
        const double f = fills[j];
        for (std::size_t r = 0; r < n; ++r) {
          const double x = val(s, r, f);
          for (std::size_t o = 0; o < K; ++o) z[r * K + o] += x * w[o];
        }
      }
    }
  }

  model_kind kind_ = model_kind::linear;
  std::size_t k_ = 1, terms_ = 0;
  std::vector<std::string> names_;  // input column of each term
  std::vector<double> fill_;        // imputed value of each term (NaN: none)
  std::vector<double> w_;           // terms * outputs
  std::vector<double> b_;           // outputs
};

}  // namespace mlpipe

#undef MLPIPE_DETAIL_VECTOR_CLONES

#ifdef MLPIPE_HEADER_ONLY
#include <mlpipe/deploy/impl/folded_model.ipp>
#endif
