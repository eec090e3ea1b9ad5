// MaxPool over NHWC: one output pixel per iteration, vectorised over channels. Padding never
// wins the maximum (as tfjs: padded positions are skipped).
#include <algorithm>
#include <limits>

#include "../kernels.h"

namespace advlab {

void MaxPool(const PoolGeometry& g, const float* x, float* y) {
  const int64_t rows = g.n * g.outH;
#pragma omp parallel for schedule(static) if (rows * g.outW * g.c > kParallelMinElements)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t b = r / g.outH, oh = r % g.outH;
    for (int64_t ow = 0; ow < g.outW; ow++) {
      float* out = y + ((r * g.outW) + ow) * g.c;
      for (int64_t c = 0; c < g.c; c++) out[c] = -std::numeric_limits<float>::infinity();
      for (int64_t kh = 0; kh < g.kH; kh++) {
        const int64_t ih = oh * g.strideH - g.padTop + kh;
        if (ih < 0 || ih >= g.inH) continue;
        for (int64_t kw = 0; kw < g.kW; kw++) {
          const int64_t iw = ow * g.strideW - g.padLeft + kw;
          if (iw < 0 || iw >= g.inW) continue;
          const float* in = x + ((b * g.inH + ih) * g.inW + iw) * g.c;
#pragma omp simd
          for (int64_t c = 0; c < g.c; c++) out[c] = std::max(out[c], in[c]);
        }
      }
    }
  }
}

}  // namespace advlab
