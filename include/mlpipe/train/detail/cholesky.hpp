// mlpipe/train/detail/cholesky.hpp: solves a small symmetric positive definite system in place (A x = b).
// Used by the ridge closed form and the Newton solver; sizes are the number of parameters (tens to hundreds).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

namespace mlpipe::detail {

/// A is n×n row-major (only the lower triangle is read), b has n values. On success b holds x and true is
/// returned; false when A is not positive definite (A is overwritten either way).
inline bool cholesky_solve(std::vector<double>& A, std::vector<double>& b, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    double d = A[j * n + j];
    for (std::size_t k = 0; k < j; ++k) d -= A[j * n + k] * A[j * n + k];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    A[j * n + j] = d;
    for (std::size_t i = j + 1; i < n; ++i) {
      double s = A[i * n + j];
      for (std::size_t k = 0; k < j; ++k) s -= A[i * n + k] * A[j * n + k];
      A[i * n + j] = s / d;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {  // L y = b
    double s = b[i];
    for (std::size_t k = 0; k < i; ++k) s -= A[i * n + k] * b[k];
    b[i] = s / A[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {  // L^T x = y
    double s = b[i];
    for (std::size_t k = i + 1; k < n; ++k) s -= A[k * n + i] * b[k];
    b[i] = s / A[i * n + i];
  }
  return true;
}

}  // namespace mlpipe::detail
