// Min: the minimum over a contiguous run of axes (see reduce_impl.h).
#include "reduce_impl.h"

namespace advlab {

void Min(const ReduceArgs& a) { reduce::run(ReduceOp::Min, a.outer, a.reduce, a.inner, a.x, a.out); }

}  // namespace advlab
