// AdvlabAdam: one Adam step on one parameter tensor with PyTorch's update rule, fused:
// m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
// p -= lr * (m / c1) / (sqrt(v / c2) + eps); with decoupled weight decay p -= lr * wd * p.
#include <cmath>

#include "../kernels.h"

namespace advlab {

void AdvlabAdam(int64_t size, const AdamStep& s, const float* param, const float* grad, const float* m,
                const float* v, float* paramOut, float* mOut, float* vOut) {
#pragma omp parallel for simd schedule(static) if (size > kParallelMinElements)
  for (int64_t i = 0; i < size; i++) {
    const float g = grad[i];
    const float mi = m[i] * s.beta1 + g * (1.f - s.beta1);
    const float vi = v[i] * s.beta2 + g * g * (1.f - s.beta2);
    const float denom = std::sqrt(vi / s.biasCorrection2) + s.epsilon;
    const float p = param[i];
    float next = p - (mi / s.biasCorrection1) / denom * s.lr;
    if (s.weightDecay > 0.f) next -= p * (s.lr * s.weightDecay);
    mOut[i] = mi;
    vOut[i] = vi;
    paramOut[i] = next;
  }
}

}  // namespace advlab
