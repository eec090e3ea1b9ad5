#include "context.h"

#include <omp.h>

#include <sstream>

namespace advlab {

Context::Context()
    : engine_(dnnl::engine::kind::cpu, 0), stream_(engine_), threads_(omp_get_max_threads()) {}

void Context::setThreads(int n) {
  if (n < 1) throw KernelError("setThreads: thread count must be >= 1, got " + std::to_string(n));
  omp_set_num_threads(n);
  threads_ = n;
}

ThreadScope::ThreadScope(Context& ctx, int n) : ctx_(ctx), changed_(n != ctx.threads()) {
  if (changed_) omp_set_num_threads(n);
}

ThreadScope::~ThreadScope() {
  if (changed_) omp_set_num_threads(ctx_.threads());
}

std::string shapeString(std::initializer_list<int64_t> dims) {
  std::ostringstream s;
  s << '[';
  bool first = true;
  for (auto d : dims) {
    if (!first) s << ',';
    s << d;
    first = false;
  }
  s << ']';
  return s.str();
}

}  // namespace advlab
