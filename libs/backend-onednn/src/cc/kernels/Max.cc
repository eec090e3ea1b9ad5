// Max: the maximum over a contiguous run of axes (see reduce_impl.h).
#include "reduce_impl.h"

namespace advlab {

void Max(const ReduceArgs& a) { reduce::run(ReduceOp::Max, a.outer, a.reduce, a.inner, a.x, a.out); }

}  // namespace advlab
