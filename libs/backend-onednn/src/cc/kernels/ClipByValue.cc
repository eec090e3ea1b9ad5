// ClipByValue: x clipped to [lo, hi]; NaN stays NaN.
#include "unary_impl.h"

namespace advlab {

void ClipByValue(const UnaryArgs& a) {
  const float lo = a.alpha, hi = a.beta;
  unary::run(a.size, a.x, a.out, [lo, hi](float v) { return v != v ? v : (v < lo ? lo : (v > hi ? hi : v)); });
}

}  // namespace advlab
