// Neg: -x.
#include "unary_impl.h"

namespace advlab {

void Neg(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return -v; });
}

}  // namespace advlab
