// AdvlabBatchNormTrain: batch normalisation with batch statistics over the rows of [rows, c]
// (N*H*W rows of an NHWC tensor), optionally followed by ReLU, in two passes: per-channel sums
// of x and x^2, then y = x * scale + shift.
#include <cmath>

#include "../kernels.h"
#include "bn_common.h"

namespace advlab {

void AdvlabBatchNormTrain(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta, float eps,
                          bool relu, float* y, float* mean, float* invStd, float* unbiasedVar) {
  if (rows < 1) throw KernelError("AdvlabBatchNormTrain: no rows for " + shapeString({rows, c}));
  std::vector<double> sum, sumSq;
  bn::channelSums(
      rows, c,
      [&](int64_t r, float* t0, float* t1) {
        const float* row = x + r * c;
#pragma omp simd
        for (int64_t j = 0; j < c; j++) {
          t0[j] += row[j];
          t1[j] += row[j] * row[j];
        }
      },
      sum, sumSq);
  std::vector<float> scale(c), shift(c);
  const double count = static_cast<double>(rows);
  for (int64_t j = 0; j < c; j++) {
    const double m = sum[j] / count;
    const double var = std::max(0.0, sumSq[j] / count - m * m);
    const double is = 1.0 / std::sqrt(var + static_cast<double>(eps));
    mean[j] = static_cast<float>(m);
    invStd[j] = static_cast<float>(is);
    unbiasedVar[j] = static_cast<float>(var * count / std::max(count - 1.0, 1.0));
    scale[j] = static_cast<float>(gamma[j] * is);
    shift[j] = static_cast<float>(beta[j] - m * gamma[j] * is);
  }
  const float* sc = scale.data();
  const float* sh = shift.data();
#pragma omp parallel for schedule(static) if (rows * c > kParallelMinElements)
  for (int64_t r = 0; r < rows; r++) {
    const float* in = x + r * c;
    float* out = y + r * c;
    if (relu) {
#pragma omp simd
      for (int64_t j = 0; j < c; j++) out[j] = std::max(0.f, in[j] * sc[j] + sh[j]);
    } else {
#pragma omp simd
      for (int64_t j = 0; j < c; j++) out[j] = in[j] * sc[j] + sh[j];
    }
  }
}

}  // namespace advlab
