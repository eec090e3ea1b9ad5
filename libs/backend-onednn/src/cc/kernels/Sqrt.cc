// Sqrt: sqrt(x).
#include <cmath>

#include "unary_impl.h"

namespace advlab {

void Sqrt(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return std::sqrt(v); });
}

}  // namespace advlab
