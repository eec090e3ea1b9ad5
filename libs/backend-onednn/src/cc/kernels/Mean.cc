// Mean: the mean over a contiguous run of axes (see reduce_impl.h).
#include "reduce_impl.h"

namespace advlab {

void Mean(const ReduceArgs& a) { reduce::run(ReduceOp::Mean, a.outer, a.reduce, a.inner, a.x, a.out); }

}  // namespace advlab
