// Sign: -1, 0 or 1 (sign(0) = 0).
#include "unary_impl.h"

namespace advlab {

void Sign(const UnaryArgs& a) {
  unary::run(a.size, a.x, a.out, [](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : (v == 0.f ? 0.f : v)); });
}

}  // namespace advlab
