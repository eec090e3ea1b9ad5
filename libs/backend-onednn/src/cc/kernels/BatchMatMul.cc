// BatchMatMul on oneDNN's sgemm (row-major), one call per batch entry; a batch of 1 on either
// side broadcasts.
#include <oneapi/dnnl/dnnl.h>

#include "../kernels.h"

namespace advlab {

void BatchMatMul(int64_t batchA, int64_t batchB, int64_t m, int64_t n, int64_t k, bool transposeA,
                 bool transposeB, const float* a, const float* b, float* out) {
  const int64_t batch = batchA > batchB ? batchA : batchB;
  const int64_t lda = transposeA ? m : k;
  const int64_t ldb = transposeB ? k : n;
  for (int64_t i = 0; i < batch; i++) {
    const float* pa = a + (batchA == 1 ? 0 : i) * m * k;
    const float* pb = b + (batchB == 1 ? 0 : i) * k * n;
    const dnnl_status_t st = dnnl_sgemm(transposeA ? 'T' : 'N', transposeB ? 'T' : 'N', m, n, k, 1.f, pa, lda, pb,
                                        ldb, 0.f, out + i * m * n, n);
    if (st != dnnl_success) {
      throw KernelError("BatchMatMul: dnnl_sgemm failed (status " + std::to_string(static_cast<int>(st)) +
                        ") for a " + shapeString({batchA, transposeA ? k : m, transposeA ? m : k}) + ", b " +
                        shapeString({batchB, transposeB ? n : k, transposeB ? k : n}));
    }
  }
}

}  // namespace advlab
