// Sum: the sum over a contiguous run of axes (see reduce_impl.h).
#include "reduce_impl.h"

namespace advlab {

void Sum(const ReduceArgs& a) { reduce::run(ReduceOp::Sum, a.outer, a.reduce, a.inner, a.x, a.out); }

}  // namespace advlab
