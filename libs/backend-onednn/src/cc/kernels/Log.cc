// Log: ln(x).
#include <cmath>

#include "unary_impl.h"

namespace advlab {

void Log(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return std::log(v); });
}

}  // namespace advlab
