// The loop shared by the element-wise unary kernels (Relu.cc, Sign.cc, ...).
#pragma once

#include "../kernels.h"

namespace advlab {
namespace unary {

template <typename F>
inline void run(int64_t size, const float* x, float* out, F f) {
#pragma omp parallel for simd schedule(static) if (size > kParallelMinElements)
  for (int64_t i = 0; i < size; i++) out[i] = f(x[i]);
}

}  // namespace unary
}  // namespace advlab
