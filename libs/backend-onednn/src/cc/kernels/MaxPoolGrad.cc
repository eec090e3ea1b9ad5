// MaxPoolGrad over NHWC: each dy goes to the first maximum of its window in row-major window
// order, as tfjs's cpu kernel routes it (that kernel's `maxPositions`). Overlapping windows add.
#include <cstring>
#include <limits>

#include "../kernels.h"

namespace advlab {

namespace {

/** The network's 2x2 stride-2 unpadded window: no overlap, branch-free over channels. */
void MaxPoolGrad2x2(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  const int64_t rows = g.n * g.outH;
  const int64_t rowIn = g.inW * g.c;
#pragma omp parallel for schedule(static) if (rows * g.outW * g.c > kParallelMinElements)
  for (int64_t r = 0; r < rows; r++) {
    const int64_t b = r / g.outH, oh = r % g.outH;
    const int64_t base = (b * g.inH + 2 * oh) * rowIn;
    if (g.inW > 2 * g.outW) {  // an odd last column no window covers
      std::memset(dx + base + 2 * g.outW * g.c, 0, sizeof(float) * (g.inW - 2 * g.outW) * g.c);
      std::memset(dx + base + rowIn + 2 * g.outW * g.c, 0, sizeof(float) * (g.inW - 2 * g.outW) * g.c);
    }
    for (int64_t ow = 0; ow < g.outW; ow++) {
      const int64_t i00 = base + 2 * ow * g.c, i01 = i00 + g.c, i10 = i00 + rowIn, i11 = i10 + g.c;
      const float* d = dy + (r * g.outW + ow) * g.c;
#pragma omp simd
      for (int64_t c = 0; c < g.c; c++) {
        const float v00 = x[i00 + c], v01 = x[i01 + c], v10 = x[i10 + c], v11 = x[i11 + c];
        const bool s00 = v00 >= v01 && v00 >= v10 && v00 >= v11;
        const bool s01 = !s00 && v01 >= v10 && v01 >= v11;
        const bool s10 = !s00 && !s01 && v10 >= v11;
        const bool s11 = !s00 && !s01 && !s10;
        dx[i00 + c] = s00 ? d[c] : 0.f;
        dx[i01 + c] = s01 ? d[c] : 0.f;
        dx[i10 + c] = s10 ? d[c] : 0.f;
        dx[i11 + c] = s11 ? d[c] : 0.f;
      }
    }
  }
  if (g.inH > 2 * g.outH) {  // an odd last row no window covers
    for (int64_t b = 0; b < g.n; b++) std::memset(dx + (b * g.inH + 2 * g.outH) * rowIn, 0, sizeof(float) * rowIn);
  }
}

}  // namespace

void MaxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx) {
  if (g.kH == 2 && g.kW == 2 && g.strideH == 2 && g.strideW == 2 && g.padTop == 0 && g.padLeft == 0) {
    MaxPoolGrad2x2(g, x, dy, dx);
    return;
  }
  const int64_t inPerImage = g.inH * g.inW * g.c;
  // Images are independent; within an image windows may overlap, so one thread per image.
#pragma omp parallel for schedule(static) if (g.n * inPerImage > kParallelMinElements)
  for (int64_t b = 0; b < g.n; b++) {
    float* dxImage = dx + b * inPerImage;
    std::memset(dxImage, 0, sizeof(float) * inPerImage);
    const float* xImage = x + b * inPerImage;
    for (int64_t oh = 0; oh < g.outH; oh++) {
      for (int64_t ow = 0; ow < g.outW; ow++) {
        const float* d = dy + ((b * g.outH + oh) * g.outW + ow) * g.c;
        for (int64_t c = 0; c < g.c; c++) {
          float best = -std::numeric_limits<float>::infinity();
          int64_t at = -1;
          for (int64_t kh = 0; kh < g.kH; kh++) {
            const int64_t ih = oh * g.strideH - g.padTop + kh;
            if (ih < 0 || ih >= g.inH) continue;
            for (int64_t kw = 0; kw < g.kW; kw++) {
              const int64_t iw = ow * g.strideW - g.padLeft + kw;
              if (iw < 0 || iw >= g.inW) continue;
              const int64_t i = (ih * g.inW + iw) * g.c + c;
              if (at < 0 || xImage[i] > best) {
                best = xImage[i];
                at = i;
              }
            }
          }
          if (at >= 0) dxImage[at] += d[c];
        }
      }
    }
  }
}

}  // namespace advlab
