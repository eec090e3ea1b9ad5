// Square: x^2.
#include "unary_impl.h"

namespace advlab {

void Square(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return v * v; });
}

}  // namespace advlab
