// Abs: |x|.
#include <cmath>

#include "unary_impl.h"

namespace advlab {

void Abs(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return std::fabs(v); });
}

}  // namespace advlab
