// The broadcasting loop shared by the element-wise binary kernels (Add.cc, Sub.cc, ...).
// Adjacent dimensions that broadcast alike are merged first, so the inner loop is as long as
// possible (e.g. [n,h,w,c] * [c] becomes [n*h*w, c] * [1, c]) and vectorises.
#pragma once

#include <vector>

#include "../kernels.h"

namespace advlab {
namespace binary {

template <typename F>
inline void run(int rank, const int64_t* outShape, const float* a, const int64_t* aShape, const float* b,
         const int64_t* bShape, float* out, F f) {
  // Merge dimensions; each keeps (size, a broadcasts?, b broadcasts?).
  std::vector<int64_t> dims;
  std::vector<bool> aB, bB;
  for (int i = 0; i < rank; i++) {
    if (outShape[i] == 1) continue;
    const bool ab = aShape[i] == 1, bb = bShape[i] == 1;
    if (!dims.empty() && aB.back() == ab && bB.back() == bb) {
      dims.back() *= outShape[i];
    } else {
      dims.push_back(outShape[i]);
      aB.push_back(ab);
      bB.push_back(bb);
    }
  }
  if (dims.empty()) {  // a single element
    out[0] = f(a[0], b[0]);
    return;
  }
  const int r = static_cast<int>(dims.size());
  std::vector<int64_t> aStride(r), bStride(r);
  int64_t as = 1, bs = 1;
  for (int i = r - 1; i >= 0; i--) {
    aStride[i] = aB[i] ? 0 : as;
    bStride[i] = bB[i] ? 0 : bs;
    if (!aB[i]) as *= dims[i];
    if (!bB[i]) bs *= dims[i];
  }
  const int64_t inner = dims[r - 1];
  const int64_t ai = aStride[r - 1], bi = bStride[r - 1];
  int64_t rows = 1;
  for (int i = 0; i < r - 1; i++) rows *= dims[i];
#pragma omp parallel for schedule(static) if (rows * inner > kParallelMinElements)
  for (int64_t row = 0; row < rows; row++) {
    int64_t aOff = 0, bOff = 0, rem = row;
    for (int i = r - 2; i >= 0; i--) {
      const int64_t idx = rem % dims[i];
      rem /= dims[i];
      aOff += idx * aStride[i];
      bOff += idx * bStride[i];
    }
    const float* pa = a + aOff;
    const float* pb = b + bOff;
    float* po = out + row * inner;
    if (ai == 1 && bi == 1) {
#pragma omp simd
      for (int64_t j = 0; j < inner; j++) po[j] = f(pa[j], pb[j]);
    } else if (ai == 1) {
      const float vb = pb[0];
#pragma omp simd
      for (int64_t j = 0; j < inner; j++) po[j] = f(pa[j], vb);
    } else {
      const float va = pa[0];
#pragma omp simd
      for (int64_t j = 0; j < inner; j++) po[j] = f(va, pb[j]);
    }
  }
}

}  // namespace binary
}  // namespace advlab
