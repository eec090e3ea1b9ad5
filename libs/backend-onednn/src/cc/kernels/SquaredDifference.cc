// SquaredDifference: (a - b)^2 element-wise with numpy broadcasting.
#include "binary_impl.h"

namespace advlab {

void SquaredDifference(const BinaryArgs& a) {
  binary::run(a.rank, a.outShape, a.a, a.aShape, a.b, a.bShape, a.out, [](float x, float y) { return (x - y) * (x - y); });
}

}  // namespace advlab
