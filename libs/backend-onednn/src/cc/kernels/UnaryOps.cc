// Element-wise unary kernels: Relu, Sign, Step, Neg, Abs, Square, Sqrt, Rsqrt, Exp, Log and
// ClipByValue, with tfjs's conventions (sign(0) = 0, NaN kept by relu/step/clip).
#include <cmath>

#include "../kernels.h"

namespace advlab {
namespace {

template <typename F>
void run(int64_t size, const float* x, float* out, F f) {
#pragma omp parallel for simd schedule(static) if (size > kParallelMinElements)
  for (int64_t i = 0; i < size; i++) out[i] = f(x[i]);
}

}  // namespace

void Unary(UnaryOp op, int64_t size, const float* x, float alpha, float beta, float* out) {
  switch (op) {
    case UnaryOp::Relu:
      return run(size, x, out, [](float v) { return v < 0.f ? 0.f : v; });
    case UnaryOp::Sign:
      return run(size, x, out, [](float v) { return v > 0.f ? 1.f : (v < 0.f ? -1.f : (v == 0.f ? 0.f : v)); });
    case UnaryOp::Step:
      return run(size, x, out, [alpha](float v) { return v > 0.f ? 1.f : (v != v ? v : alpha); });
    case UnaryOp::Neg:
      return run(size, x, out, [](float v) { return -v; });
    case UnaryOp::Abs:
      return run(size, x, out, [](float v) { return std::fabs(v); });
    case UnaryOp::Square:
      return run(size, x, out, [](float v) { return v * v; });
    case UnaryOp::Sqrt:
      return run(size, x, out, [](float v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt:
      return run(size, x, out, [](float v) { return 1.f / std::sqrt(v); });
    case UnaryOp::Exp:
      return run(size, x, out, [](float v) { return std::exp(v); });
    case UnaryOp::Log:
      return run(size, x, out, [](float v) { return std::log(v); });
    case UnaryOp::ClipByValue:
      return run(size, x, out, [alpha, beta](float v) { return v != v ? v : (v < alpha ? alpha : (v > beta ? beta : v)); });
  }
}

}  // namespace advlab
