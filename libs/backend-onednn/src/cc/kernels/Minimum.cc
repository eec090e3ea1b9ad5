// Minimum: min(a, b) element-wise with numpy broadcasting. NaN propagates as in tfjs (Math.min).
#include <cmath>

#include "binary_impl.h"

namespace advlab {

void Minimum(const BinaryArgs& a) {
  binary::run(a.rank, a.outShape, a.a, a.aShape, a.b, a.bShape, a.out, [](float x, float y) { return (x != x || y != y) ? NAN : (x < y ? x : y); });
}

}  // namespace advlab
