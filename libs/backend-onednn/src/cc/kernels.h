// The native kernels. Each takes plain pointers and sizes (no N-API), so it can be called,
// tested and profiled on its own; binding.cc converts JavaScript arguments to these calls.
// Tensors are row-major, activations NHWC, filters [kh, kw, in, out] (tfjs layouts).
#pragma once

#include <cstdint>

#include "common.h"

namespace advlab {

class Context;  // context.h: the oneDNN engine, stream and primitive cache

/** Geometry of a 2-D convolution, as tfjs's conv_util.computeConv2DInfo gives it. */
struct ConvGeometry {
  int64_t n, inH, inW, inC;
  int64_t outH, outW, outC;
  int64_t kH, kW;
  int64_t strideH, strideW;
  int64_t padTop, padBottom, padLeft, padRight;
};

// Conv2D.cc (Conv2D and FusedConv2D): y = conv(x, w) [+ bias] [relu]. bias may be null.
void Conv2D(Context& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias, bool relu,
            float* y);
// Conv2DBackpropInput.cc: dx = d conv / d x applied to dy.
void Conv2DBackpropInput(Context& ctx, const ConvGeometry& g, const float* dy, const float* w, float* dx);
// Conv2DBackpropFilter.cc: dw = d conv / d w applied to dy.
void Conv2DBackpropFilter(Context& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw);

/** Geometry of a pooling window over NHWC input. */
struct PoolGeometry {
  int64_t n, inH, inW, c;
  int64_t outH, outW;
  int64_t kH, kW, strideH, strideW, padTop, padLeft;
};
// MaxPool.cc
void MaxPool(const PoolGeometry& g, const float* x, float* y);
// MaxPoolGrad.cc: routes each dy to the first maximum of its window (as tfjs's cpu kernel).
void MaxPoolGrad(const PoolGeometry& g, const float* x, const float* dy, float* dx);

/** Element-wise binary kernels: out = a (op) b with numpy broadcasting, shapes padded to `rank`. */
struct BinaryArgs {
  int rank;
  const int64_t* outShape;
  const float* a;
  const int64_t* aShape;
  const float* b;
  const int64_t* bShape;
  float* out;
};
void Add(const BinaryArgs& a);                // Add.cc
void Sub(const BinaryArgs& a);                // Sub.cc
void Multiply(const BinaryArgs& a);           // Multiply.cc
void RealDiv(const BinaryArgs& a);            // RealDiv.cc
void Maximum(const BinaryArgs& a);            // Maximum.cc
void Minimum(const BinaryArgs& a);            // Minimum.cc
void SquaredDifference(const BinaryArgs& a);  // SquaredDifference.cc

/** Element-wise unary kernels: out = op(x). `alpha`: Step's value for x <= 0, clip's low bound; `beta`: clip's high bound. */
struct UnaryArgs {
  int64_t size;
  const float* x;
  float alpha, beta;
  float* out;
};
void Relu(const UnaryArgs& a);         // Relu.cc
void Sign(const UnaryArgs& a);         // Sign.cc
void Step(const UnaryArgs& a);         // Step.cc
void Neg(const UnaryArgs& a);          // Neg.cc
void Abs(const UnaryArgs& a);          // Abs.cc
void Square(const UnaryArgs& a);       // Square.cc
void Sqrt(const UnaryArgs& a);         // Sqrt.cc
void Rsqrt(const UnaryArgs& a);        // Rsqrt.cc
void Exp(const UnaryArgs& a);          // Exp.cc
void Log(const UnaryArgs& a);          // Log.cc
void ClipByValue(const UnaryArgs& a);  // ClipByValue.cc

/** Reductions: x viewed as [outer, reduce, inner], out as [outer, inner]. */
enum class ReduceOp { Sum, Mean, Max, Min };
struct ReduceArgs {
  int64_t outer, reduce, inner;
  const float* x;
  float* out;
};
void Sum(const ReduceArgs& a);   // Sum.cc
void Mean(const ReduceArgs& a);  // Mean.cc
void Max(const ReduceArgs& a);   // Max.cc
void Min(const ReduceArgs& a);   // Min.cc

// BatchMatMul.cc: out[b] = op(a[b]) x op(b[b]); a batch of 1 broadcasts.
void BatchMatMul(int64_t batchA, int64_t batchB, int64_t m, int64_t n, int64_t k, bool transposeA,
                 bool transposeB, const float* a, const float* b, float* out);

// AdvlabBatchNormTrain.cc: x [rows, c] -> y (BN with batch statistics, optionally ReLU),
// mean, invStd = 1/sqrt(var + eps) (biased var) and the unbiased variance.
void AdvlabBatchNormTrain(int64_t rows, int64_t c, const float* x, const float* gamma, const float* beta, float eps,
                          bool relu, float* y, float* mean, float* invStd, float* unbiasedVar);
// AdvlabBatchNormTrainGrad.cc: from dy (masked by y > 0 when y is given) to dx, dgamma, dbeta.
void AdvlabBatchNormTrainGrad(int64_t rows, int64_t c, const float* dy, const float* x, const float* y,
                              const float* mean, const float* invStd, const float* gamma, float* dx, float* dgamma,
                              float* dbeta);
// AdvlabReluGrad.cc: dx = y > 0 ? dy : 0.
void AdvlabReluGrad(int64_t size, const float* dy, const float* y, float* dx);
// AdvlabDropoutMask.cc: inverted-dropout mask, per image an sfc32 stream seeded (seed, id, layer).
void AdvlabDropoutMask(int64_t n, int64_t perImage, const int32_t* imageIds, uint32_t seed, uint32_t layer,
                       uint32_t threshold, float keep, float* mask);
// AdvlabAdam.cc: one Adam/AdamW step (PyTorch's rule) on one parameter tensor.
struct AdamStep {
  float lr, beta1, beta2, epsilon, weightDecay;
  float biasCorrection1, biasCorrection2;  // 1 - beta^t
};
void AdvlabAdam(int64_t size, const AdamStep& s, const float* param, const float* grad, const float* m,
                const float* v, float* paramOut, float* mOut, float* vOut);
// AdvlabSoftmaxCrossEntropy.cc: mean over rows of -sum_j t log softmax(z), and (softmax(z) - t) / rows.
void AdvlabSoftmaxCrossEntropy(int64_t rows, int64_t classes, const float* logits, const float* targets,
                               float* loss, float* dlogits);

}  // namespace advlab
