// Exp: e^x.
#include <cmath>

#include "unary_impl.h"

namespace advlab {

void Exp(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return std::exp(v); });
}

}  // namespace advlab
