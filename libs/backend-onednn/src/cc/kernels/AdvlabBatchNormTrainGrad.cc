// AdvlabBatchNormTrainGrad: backward of AdvlabBatchNormTrain (and of the ReLU after it when its
// output y is given: dz = y > 0 ? dy : 0). Two passes: per-channel sums of dz and dz * x, then
// dx = dz * scale + x * k1 + k0 (the same rearrangement as libs/model's tfjs path).
#include <cmath>

#include "../kernels.h"
#include "bn_common.h"

namespace advlab {

void AdvlabBatchNormTrainGrad(int64_t rows, int64_t c, const float* dy, const float* x, const float* y,
                              const float* mean, const float* invStd, const float* gamma, float* dx, float* dgamma,
                              float* dbeta) {
  std::vector<double> sumDz, sumDzX;
  bn::channelSums(
      rows, c,
      [&](int64_t r, float* t0, float* t1) {
        const float* d = dy + r * c;
        const float* in = x + r * c;
        if (y) {
          const float* out = y + r * c;
#pragma omp simd
          for (int64_t j = 0; j < c; j++) {
            const float dz = out[j] > 0.f ? d[j] : 0.f;
            t0[j] += dz;
            t1[j] += dz * in[j];
          }
        } else {
#pragma omp simd
          for (int64_t j = 0; j < c; j++) {
            t0[j] += d[j];
            t1[j] += d[j] * in[j];
          }
        }
      },
      sumDz, sumDzX);
  std::vector<float> scale(c), k1(c), k0(c);
  const double count = static_cast<double>(rows);
  for (int64_t j = 0; j < c; j++) {
    const double db = sumDz[j];
    const double dg = (sumDzX[j] - mean[j] * db) * invStd[j];
    const double s = static_cast<double>(gamma[j]) * invStd[j];
    const double a1 = -s * invStd[j] * dg / count;
    dbeta[j] = static_cast<float>(db);
    dgamma[j] = static_cast<float>(dg);
    scale[j] = static_cast<float>(s);
    k1[j] = static_cast<float>(a1);
    k0[j] = static_cast<float>(-s * db / count - a1 * mean[j]);
  }
  const float* sc = scale.data();
  const float* a1 = k1.data();
  const float* a0 = k0.data();
#pragma omp parallel for schedule(static) if (rows * c > kParallelMinElements)
  for (int64_t r = 0; r < rows; r++) {
    const float* d = dy + r * c;
    const float* in = x + r * c;
    float* out = dx + r * c;
    if (y) {
      const float* yr = y + r * c;
#pragma omp simd
      for (int64_t j = 0; j < c; j++) out[j] = (yr[j] > 0.f ? d[j] : 0.f) * sc[j] + in[j] * a1[j] + a0[j];
    } else {
#pragma omp simd
      for (int64_t j = 0; j < c; j++) out[j] = d[j] * sc[j] + in[j] * a1[j] + a0[j];
    }
  }
}

}  // namespace advlab
