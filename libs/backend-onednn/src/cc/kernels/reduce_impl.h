// The reduction shared by Sum.cc, Mean.cc, Max.cc and Min.cc, over a contiguous run of axes:
// x viewed as [outer, reduce, inner]. Covers per-channel sums over N,H,W (outer 1, inner C),
// global average pooling over H,W (outer N, inner C) and row reductions (inner 1). Sums
// accumulate in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include <omp.h>

#include "../kernels.h"

namespace advlab {
namespace reduce {

inline bool isSum(ReduceOp op) { return op == ReduceOp::Sum || op == ReduceOp::Mean; }

inline float finish(ReduceOp op, double acc, int64_t count) {
  return op == ReduceOp::Mean ? static_cast<float>(acc / static_cast<double>(count)) : static_cast<float>(acc);
}

inline float pick(ReduceOp op, float acc, float v) {
  if (v != v || acc != acc) return NAN;
  return op == ReduceOp::Max ? (v > acc ? v : acc) : (v < acc ? v : acc);
}

/** One [reduce, inner] slab into `inner` outputs, split over threads along `reduce`. */
inline void slab(ReduceOp op, int64_t reduce, int64_t inner, const float* x, float* out, bool parallel) {
  const int threads = parallel ? omp_get_max_threads() : 1;
  if (isSum(op)) {
    std::vector<double> partial(static_cast<size_t>(threads) * inner, 0.0);
#pragma omp parallel num_threads(threads)
    {
      double* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * inner;
      std::vector<float> block(inner);
#pragma omp for schedule(static)
      for (int64_t r0 = 0; r0 < reduce; r0 += 64) {
        // Float partial sums over 64 rows, then into double: vectorised and still accurate.
        std::fill(block.begin(), block.end(), 0.f);
        const int64_t r1 = std::min(reduce, r0 + 64);
        for (int64_t r = r0; r < r1; r++) {
          const float* row = x + r * inner;
#pragma omp simd
          for (int64_t j = 0; j < inner; j++) block[j] += row[j];
        }
        for (int64_t j = 0; j < inner; j++) acc[j] += block[j];
      }
    }
    for (int64_t j = 0; j < inner; j++) {
      double s = 0;
      for (int t = 0; t < threads; t++) s += partial[static_cast<size_t>(t) * inner + j];
      out[j] = finish(op, s, reduce);
    }
    return;
  }
  const float init = op == ReduceOp::Max ? -std::numeric_limits<float>::infinity()
                                         : std::numeric_limits<float>::infinity();
  std::vector<float> partial(static_cast<size_t>(threads) * inner, init);
#pragma omp parallel num_threads(threads)
  {
    float* acc = partial.data() + static_cast<size_t>(omp_get_thread_num()) * inner;
#pragma omp for schedule(static)
    for (int64_t r = 0; r < reduce; r++) {
      const float* row = x + r * inner;
      for (int64_t j = 0; j < inner; j++) acc[j] = pick(op, acc[j], row[j]);
    }
  }
  for (int64_t j = 0; j < inner; j++) {
    float v = init;
    for (int t = 0; t < threads; t++) v = pick(op, v, partial[static_cast<size_t>(t) * inner + j]);
    out[j] = v;
  }
}

inline void run(ReduceOp op, int64_t outer, int64_t reduce, int64_t inner, const float* x, float* out) {
  const int64_t total = outer * reduce * inner;
  if (inner == 1) {
    // Row reductions: one row per iteration.
#pragma omp parallel for schedule(static) if (total > kParallelMinElements)
    for (int64_t o = 0; o < outer; o++) {
      const float* row = x + o * reduce;
      if (isSum(op)) {
        double s = 0;
        for (int64_t r0 = 0; r0 < reduce; r0 += 256) {
          float block = 0;
          const int64_t r1 = std::min(reduce, r0 + 256);
#pragma omp simd reduction(+ : block)
          for (int64_t r = r0; r < r1; r++) block += row[r];
          s += block;
        }
        out[o] = finish(op, s, reduce);
      } else {
        float v = op == ReduceOp::Max ? -std::numeric_limits<float>::infinity()
                                      : std::numeric_limits<float>::infinity();
        for (int64_t r = 0; r < reduce; r++) v = pick(op, v, row[r]);
        out[o] = v;
      }
    }
    return;
  }
  if (outer >= omp_get_max_threads()) {
    // Many independent slabs (global average pooling of a batch): one slab per iteration.
#pragma omp parallel for schedule(static) if (total > kParallelMinElements)
    for (int64_t o = 0; o < outer; o++) slab(op, reduce, inner, x + o * reduce * inner, out + o * inner, false);
    return;
  }
  for (int64_t o = 0; o < outer; o++) slab(op, reduce, inner, x + o * reduce * inner, out + o * inner, total > kParallelMinElements);
}

}  // namespace reduce
}  // namespace advlab
