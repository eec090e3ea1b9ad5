// AdvlabSoftmaxCrossEntropy: the batch-mean softmax cross-entropy against label weights and
// its gradient with respect to the logits, (softmax(z) - t) / rows, in one pass per row.
#include <cmath>
#include <vector>

#include "../kernels.h"

namespace advlab {

void AdvlabSoftmaxCrossEntropy(int64_t rows, int64_t classes, const float* logits, const float* targets,
                               float* loss, float* dlogits) {
  double total = 0;
  for (int64_t r = 0; r < rows; r++) {
    const float* z = logits + r * classes;
    const float* t = targets + r * classes;
    float* d = dlogits + r * classes;
    double zmax = z[0];
    for (int64_t j = 1; j < classes; j++) zmax = z[j] > zmax ? z[j] : zmax;
    double sumExp = 0;
    for (int64_t j = 0; j < classes; j++) sumExp += std::exp(z[j] - zmax);
    const double logSum = std::log(sumExp) + zmax;
    for (int64_t j = 0; j < classes; j++) {
      total -= t[j] * (z[j] - logSum);
      d[j] = static_cast<float>((std::exp(z[j] - logSum) - t[j]) / static_cast<double>(rows));
    }
  }
  loss[0] = static_cast<float>(total / static_cast<double>(rows));
}

}  // namespace advlab
