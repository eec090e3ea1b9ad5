// Relu: max(x, 0); NaN stays NaN.
#include "unary_impl.h"

namespace advlab {

void Relu(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return v < 0.f ? 0.f : v; });
}

}  // namespace advlab
