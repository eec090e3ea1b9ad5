// Step: 1 for x > 0, else alpha; NaN stays NaN.
#include "unary_impl.h"

namespace advlab {

void Step(const UnaryArgs& a) {
  const float alpha = a.alpha;
  unary::run(a.size, a.x, a.out, [alpha](float v) { return v > 0.f ? 1.f : (v != v ? v : alpha); });
}

}  // namespace advlab
