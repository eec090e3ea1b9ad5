// Per-channel sums over the rows of a [rows, c] tensor, shared by the batch-norm kernels:
// float partial sums over blocks of rows (vectorised), accumulated per thread in double.
#pragma once

#include <algorithm>
#include <vector>

#include <omp.h>

#include "../common.h"

namespace advlab {
namespace bn {

/**
 * Calls `rowTerms(r, t0, t1)` for every row; it adds its row's two terms per channel into the
 * float blocks t0 and t1. Returns the two per-channel totals in double.
 */
template <typename RowTerms>
void channelSums(int64_t rows, int64_t c, RowTerms rowTerms, std::vector<double>& s0, std::vector<double>& s1) {
  const int threads = omp_get_max_threads();
  std::vector<double> p0(static_cast<size_t>(threads) * c, 0.0), p1(static_cast<size_t>(threads) * c, 0.0);
#pragma omp parallel if (rows * c > kParallelMinElements)
  {
    const size_t off = static_cast<size_t>(omp_get_thread_num()) * c;
    std::vector<float> t0(c), t1(c);
#pragma omp for schedule(static)
    for (int64_t r0 = 0; r0 < rows; r0 += 32) {
      std::fill(t0.begin(), t0.end(), 0.f);
      std::fill(t1.begin(), t1.end(), 0.f);
      const int64_t r1 = std::min(rows, r0 + 32);
      for (int64_t r = r0; r < r1; r++) rowTerms(r, t0.data(), t1.data());
      for (int64_t j = 0; j < c; j++) {
        p0[off + j] += t0[j];
        p1[off + j] += t1[j];
      }
    }
  }
  s0.assign(c, 0.0);
  s1.assign(c, 0.0);
  for (int t = 0; t < threads; t++) {
    for (int64_t j = 0; j < c; j++) {
      s0[j] += p0[static_cast<size_t>(t) * c + j];
      s1[j] += p1[static_cast<size_t>(t) * c + j];
    }
  }
}

}  // namespace bn
}  // namespace advlab
