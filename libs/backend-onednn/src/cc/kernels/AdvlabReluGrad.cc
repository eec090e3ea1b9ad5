// AdvlabReluGrad: gradient through a ReLU from its output, dx = y > 0 ? dy : 0.
#include "../kernels.h"

namespace advlab {

void AdvlabReluGrad(int64_t size, const float* dy, const float* y, float* dx) {
#pragma omp parallel for simd schedule(static) if (size > kParallelMinElements)
  for (int64_t i = 0; i < size; i++) dx[i] = y[i] > 0.f ? dy[i] : 0.f;
}

}  // namespace advlab
