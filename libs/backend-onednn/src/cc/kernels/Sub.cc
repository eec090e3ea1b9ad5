// Sub: a - b element-wise with numpy broadcasting.
#include "binary_impl.h"

namespace advlab {

void Sub(const BinaryArgs& a) {
  binary::run(a.rank, a.outShape, a.a, a.aShape, a.b, a.bShape, a.out, [](float x, float y) { return x - y; });
}

}  // namespace advlab
