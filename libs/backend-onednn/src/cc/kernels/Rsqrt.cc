// Rsqrt: 1 / sqrt(x).
#include <cmath>

#include "unary_impl.h"

namespace advlab {

void Rsqrt(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return 1.f / std::sqrt(v); });
}

}  // namespace advlab
