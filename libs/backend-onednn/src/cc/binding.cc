// The thin N-API layer: checks and converts JavaScript arguments (Float32Arrays, shapes,
// attributes) into the plain calls of kernels.h, and turns C++ failures into JS exceptions
// naming the kernel. Outputs are caller-allocated Float32Arrays written in place (zero copy).
#include <napi.h>

#include <string>
#include <vector>

#include "context.h"
#include "kernels.h"

namespace advlab {
namespace {

struct Args {
  const Napi::CallbackInfo& info;
  const char* kernel;

  Napi::Error error(const std::string& msg) const { return Napi::TypeError::New(info.Env(), std::string(kernel) + ": " + msg); }

  void count(size_t n) const {
    if (info.Length() != n) throw error("expected " + std::to_string(n) + " arguments, got " + std::to_string(info.Length()));
  }

  /** A Float32Array argument holding at least `size` values (size < 0: any). */
  float* f32(size_t i, int64_t size, const char* what) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_float32_array)
      throw error(std::string(what) + " must be a Float32Array");
    auto a = info[i].As<Napi::Float32Array>();
    if (size >= 0 && static_cast<int64_t>(a.ElementLength()) < size)
      throw error(std::string(what) + " holds " + std::to_string(a.ElementLength()) + " values, needs " + std::to_string(size));
    return a.Data();
  }

  float* optionalF32(size_t i, int64_t size, const char* what) const {
    return info[i].IsNull() || info[i].IsUndefined() ? nullptr : f32(i, size, what);
  }

  int32_t* i32(size_t i, int64_t size, const char* what) const {
    if (!info[i].IsTypedArray() || info[i].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array)
      throw error(std::string(what) + " must be an Int32Array");
    auto a = info[i].As<Napi::Int32Array>();
    if (static_cast<int64_t>(a.ElementLength()) < size)
      throw error(std::string(what) + " holds " + std::to_string(a.ElementLength()) + " values, needs " + std::to_string(size));
    return a.Data();
  }

  int64_t integer(size_t i, const char* what) const {
    if (!info[i].IsNumber()) throw error(std::string(what) + " must be a number");
    return info[i].As<Napi::Number>().Int64Value();
  }

  uint32_t u32(size_t i, const char* what) const {
    if (!info[i].IsNumber()) throw error(std::string(what) + " must be a number");
    return info[i].As<Napi::Number>().Uint32Value();
  }

  float number(size_t i, const char* what) const {
    if (!info[i].IsNumber()) throw error(std::string(what) + " must be a number");
    return info[i].As<Napi::Number>().FloatValue();
  }

  bool boolean(size_t i) const { return info[i].ToBoolean().Value(); }

  std::vector<int64_t> dims(size_t i, const char* what) const {
    if (!info[i].IsArray()) throw error(std::string(what) + " must be an array of integers");
    auto arr = info[i].As<Napi::Array>();
    std::vector<int64_t> out(arr.Length());
    for (uint32_t k = 0; k < arr.Length(); k++) {
      Napi::Value v = arr.Get(k);
      if (!v.IsNumber()) throw error(std::string(what) + " must be an array of integers");
      out[k] = v.As<Napi::Number>().Int64Value();
      if (out[k] < 0) throw error(std::string(what) + " has a negative entry");
    }
    return out;
  }
};

int64_t product(const std::vector<int64_t>& d) {
  int64_t p = 1;
  for (auto v : d) p *= v;
  return p;
}

ConvGeometry convGeometry(const Args& a, size_t i) {
  auto d = a.dims(i, "geometry");
  if (d.size() != 15) throw a.error("geometry needs 15 entries");
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12], d[13], d[14]};
}

PoolGeometry poolGeometry(const Args& a, size_t i) {
  auto d = a.dims(i, "geometry");
  if (d.size() != 12) throw a.error("geometry needs 12 entries");
  return {d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11]};
}

/** Runs `body`, turning kernel failures into JS exceptions. */
template <typename F>
Napi::Value guarded(const Napi::CallbackInfo& info, F body) {
  try {
    body();
  } catch (const Napi::Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Napi::Error::New(info.Env(), e.what());
  }
  return info.Env().Undefined();
}

// Operation codes as the TypeScript registrations send them (binary_kernel.ts, unary_kernel.ts, reduce_kernel.ts).
using BinaryFn = void (*)(const BinaryArgs&);
constexpr BinaryFn kBinary[] = {Add, Sub, Multiply, RealDiv, Maximum, Minimum, SquaredDifference};
using UnaryFn = void (*)(const UnaryArgs&);
constexpr UnaryFn kUnary[] = {Relu, Sign, Step, Neg, Abs, Square, Sqrt, Rsqrt, Exp, Log, ClipByValue};
using ReduceFn = void (*)(const ReduceArgs&);
constexpr ReduceFn kReduce[] = {Sum, Mean, Max, Min};

template <typename T, size_t N>
constexpr int64_t count(T (&)[N]) {
  return static_cast<int64_t>(N);
}

class OnednnAddon : public Napi::Addon<OnednnAddon> {
 public:
  OnednnAddon(Napi::Env env, Napi::Object exports) {
    DefineAddon(exports, {
        InstanceMethod("conv2d", &OnednnAddon::Conv2DJs),
        InstanceMethod("conv2dBackpropInput", &OnednnAddon::Conv2DBackpropInputJs),
        InstanceMethod("conv2dBackpropFilter", &OnednnAddon::Conv2DBackpropFilterJs),
        InstanceMethod("maxPool", &OnednnAddon::MaxPoolJs),
        InstanceMethod("maxPoolGrad", &OnednnAddon::MaxPoolGradJs),
        InstanceMethod("binary", &OnednnAddon::BinaryJs),
        InstanceMethod("unary", &OnednnAddon::UnaryJs),
        InstanceMethod("reduce", &OnednnAddon::ReduceJs),
        InstanceMethod("batchMatMul", &OnednnAddon::BatchMatMulJs),
        InstanceMethod("batchNormTrain", &OnednnAddon::BatchNormTrainJs),
        InstanceMethod("batchNormTrainGrad", &OnednnAddon::BatchNormTrainGradJs),
        InstanceMethod("reluGrad", &OnednnAddon::ReluGradJs),
        InstanceMethod("dropoutMask", &OnednnAddon::DropoutMaskJs),
        InstanceMethod("adam", &OnednnAddon::AdamJs),
        InstanceMethod("softmaxCrossEntropy", &OnednnAddon::SoftmaxCrossEntropyJs),
        InstanceMethod("setThreads", &OnednnAddon::SetThreadsJs),
        InstanceMethod("info", &OnednnAddon::InfoJs),
        InstanceMethod("clearCache", &OnednnAddon::ClearCacheJs),
    });
  }

 private:
  Context ctx_;

  // conv2d(x, filter, bias | null, y, geometry[15], relu)
  Napi::Value Conv2DJs(const Napi::CallbackInfo& info) {
    Args a{info, "Conv2D"};
    return guarded(info, [&] {
      a.count(6);
      auto g = convGeometry(a, 4);
      const float* x = a.f32(0, g.n * g.inH * g.inW * g.inC, "x");
      const float* w = a.f32(1, g.kH * g.kW * g.inC * g.outC, "filter");
      const float* b = a.optionalF32(2, g.outC, "bias");
      float* y = a.f32(3, g.n * g.outH * g.outW * g.outC, "y");
      Conv2D(ctx_, g, x, w, b, a.boolean(5), y);
    });
  }

  // conv2dBackpropInput(dy, filter, dx, geometry[15])
  Napi::Value Conv2DBackpropInputJs(const Napi::CallbackInfo& info) {
    Args a{info, "Conv2DBackpropInput"};
    return guarded(info, [&] {
      a.count(4);
      auto g = convGeometry(a, 3);
      const float* dy = a.f32(0, g.n * g.outH * g.outW * g.outC, "dy");
      const float* w = a.f32(1, g.kH * g.kW * g.inC * g.outC, "filter");
      float* dx = a.f32(2, g.n * g.inH * g.inW * g.inC, "dx");
      Conv2DBackpropInput(ctx_, g, dy, w, dx);
    });
  }

  // conv2dBackpropFilter(x, dy, dw, geometry[15])
  Napi::Value Conv2DBackpropFilterJs(const Napi::CallbackInfo& info) {
    Args a{info, "Conv2DBackpropFilter"};
    return guarded(info, [&] {
      a.count(4);
      auto g = convGeometry(a, 3);
      const float* x = a.f32(0, g.n * g.inH * g.inW * g.inC, "x");
      const float* dy = a.f32(1, g.n * g.outH * g.outW * g.outC, "dy");
      float* dw = a.f32(2, g.kH * g.kW * g.inC * g.outC, "dw");
      Conv2DBackpropFilter(ctx_, g, x, dy, dw);
    });
  }

  // maxPool(x, y, geometry[12])
  Napi::Value MaxPoolJs(const Napi::CallbackInfo& info) {
    Args a{info, "MaxPool"};
    return guarded(info, [&] {
      a.count(3);
      auto g = poolGeometry(a, 2);
      MaxPool(g, a.f32(0, g.n * g.inH * g.inW * g.c, "x"), a.f32(1, g.n * g.outH * g.outW * g.c, "y"));
    });
  }

  // maxPoolGrad(x, dy, dx, geometry[12])
  Napi::Value MaxPoolGradJs(const Napi::CallbackInfo& info) {
    Args a{info, "MaxPoolGrad"};
    return guarded(info, [&] {
      a.count(4);
      auto g = poolGeometry(a, 3);
      MaxPoolGrad(g, a.f32(0, g.n * g.inH * g.inW * g.c, "x"), a.f32(1, g.n * g.outH * g.outW * g.c, "dy"),
                  a.f32(2, g.n * g.inH * g.inW * g.c, "dx"));
    });
  }

  // binary(op, outShape, a, aShape, b, bShape, out): shapes of equal rank, broadcast-compatible.
  Napi::Value BinaryJs(const Napi::CallbackInfo& info) {
    Args a{info, "Binary"};  // Add, Sub, Multiply, ...
    return guarded(info, [&] {
      a.count(7);
      const auto op = a.integer(0, "op");
      if (op < 0 || op >= count(kBinary)) throw a.error("unknown op");
      auto out = a.dims(1, "outShape"), as = a.dims(3, "aShape"), bs = a.dims(5, "bShape");
      if (as.size() != out.size() || bs.size() != out.size()) throw a.error("shapes must have the output's rank");
      for (size_t i = 0; i < out.size(); i++) {
        if ((as[i] != out[i] && as[i] != 1) || (bs[i] != out[i] && bs[i] != 1))
          throw a.error("shapes do not broadcast to the output shape");
      }
      kBinary[op]({static_cast<int>(out.size()), out.data(), a.f32(2, product(as), "a"), as.data(),
                   a.f32(4, product(bs), "b"), bs.data(), a.f32(6, product(out), "out")});
    });
  }

  // unary(op, x, out, size, alpha, beta)
  Napi::Value UnaryJs(const Napi::CallbackInfo& info) {
    Args a{info, "Unary"};  // Relu, Sign, Step, ...
    return guarded(info, [&] {
      a.count(6);
      const auto op = a.integer(0, "op");
      if (op < 0 || op >= count(kUnary)) throw a.error("unknown op");
      const int64_t size = a.integer(3, "size");
      kUnary[op]({size, a.f32(1, size, "x"), a.number(4, "alpha"), a.number(5, "beta"), a.f32(2, size, "out")});
    });
  }

  // reduce(op, outer, reduce, inner, x, out)
  Napi::Value ReduceJs(const Napi::CallbackInfo& info) {
    Args a{info, "Reduce"};  // Sum, Mean, Max, Min
    return guarded(info, [&] {
      a.count(6);
      const auto op = a.integer(0, "op");
      if (op < 0 || op >= count(kReduce)) throw a.error("unknown op");
      const int64_t outer = a.integer(1, "outer"), reduce = a.integer(2, "reduce"), inner = a.integer(3, "inner");
      if (reduce < 1) throw a.error("cannot reduce over an empty axis");
      kReduce[op]({outer, reduce, inner, a.f32(4, outer * reduce * inner, "x"), a.f32(5, outer * inner, "out")});
    });
  }

  // batchMatMul(a, b, out, batchA, batchB, m, n, k, transposeA, transposeB)
  Napi::Value BatchMatMulJs(const Napi::CallbackInfo& info) {
    Args a{info, "BatchMatMul"};
    return guarded(info, [&] {
      a.count(10);
      const int64_t ba = a.integer(3, "batchA"), bb = a.integer(4, "batchB");
      const int64_t m = a.integer(5, "m"), n = a.integer(6, "n"), k = a.integer(7, "k");
      if (ba != bb && ba != 1 && bb != 1) throw a.error("batch sizes do not broadcast");
      const int64_t batch = ba > bb ? ba : bb;
      BatchMatMul(ba, bb, m, n, k, a.boolean(8), a.boolean(9), a.f32(0, ba * m * k, "a"), a.f32(1, bb * k * n, "b"),
                  a.f32(2, batch * m * n, "out"));
    });
  }

  // batchNormTrain(x, gamma, beta, eps, relu, y, mean, invStd, unbiasedVar)
  Napi::Value BatchNormTrainJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabBatchNormTrain"};
    return guarded(info, [&] {
      a.count(9);
      const int64_t c = info[1].As<Napi::Float32Array>().ElementLength();
      const int64_t size = info[0].As<Napi::Float32Array>().ElementLength();
      if (c < 1 || size % c != 0) throw a.error("x of " + std::to_string(size) + " values is not [rows, " + std::to_string(c) + "]");
      const int64_t rows = size / c;
      AdvlabBatchNormTrain(rows, c, a.f32(0, size, "x"), a.f32(1, c, "gamma"), a.f32(2, c, "beta"), a.number(3, "eps"),
                           a.boolean(4), a.f32(5, size, "y"), a.f32(6, c, "mean"), a.f32(7, c, "invStd"),
                           a.f32(8, c, "unbiasedVar"));
    });
  }

  // batchNormTrainGrad(dy, x, y | null, mean, invStd, gamma, dx, dgamma, dbeta)
  Napi::Value BatchNormTrainGradJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabBatchNormTrainGrad"};
    return guarded(info, [&] {
      a.count(9);
      const int64_t c = info[5].As<Napi::Float32Array>().ElementLength();
      const int64_t size = info[1].As<Napi::Float32Array>().ElementLength();
      if (c < 1 || size % c != 0) throw a.error("x of " + std::to_string(size) + " values is not [rows, " + std::to_string(c) + "]");
      AdvlabBatchNormTrainGrad(size / c, c, a.f32(0, size, "dy"), a.f32(1, size, "x"), a.optionalF32(2, size, "y"),
                               a.f32(3, c, "mean"), a.f32(4, c, "invStd"), a.f32(5, c, "gamma"), a.f32(6, size, "dx"),
                               a.f32(7, c, "dgamma"), a.f32(8, c, "dbeta"));
    });
  }

  // reluGrad(dy, y, dx, size)
  Napi::Value ReluGradJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabReluGrad"};
    return guarded(info, [&] {
      a.count(4);
      const int64_t size = a.integer(3, "size");
      AdvlabReluGrad(size, a.f32(0, size, "dy"), a.f32(1, size, "y"), a.f32(2, size, "dx"));
    });
  }

  // dropoutMask(imageIds, perImage, seed, layer, threshold, keep, mask)
  Napi::Value DropoutMaskJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabDropoutMask"};
    return guarded(info, [&] {
      a.count(7);
      const int64_t n = info[0].As<Napi::TypedArray>().ElementLength();
      const int64_t per = a.integer(1, "perImage");
      AdvlabDropoutMask(n, per, a.i32(0, n, "imageIds"), a.u32(2, "seed"), a.u32(3, "layer"), a.u32(4, "threshold"),
                        a.number(5, "keep"), a.f32(6, n * per, "mask"));
    });
  }

  // adam(param, grad, m, v, paramOut, mOut, vOut, [lr, beta1, beta2, epsilon, weightDecay, c1, c2])
  Napi::Value AdamJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabAdam"};
    return guarded(info, [&] {
      a.count(8);
      const int64_t size = info[0].As<Napi::Float32Array>().ElementLength();
      auto h = info[7].As<Napi::Float64Array>();
      if (h.ElementLength() != 7) throw a.error("hyper-parameters need 7 entries");
      AdamStep s{static_cast<float>(h[0]), static_cast<float>(h[1]), static_cast<float>(h[2]), static_cast<float>(h[3]),
                 static_cast<float>(h[4]), static_cast<float>(h[5]), static_cast<float>(h[6])};
      AdvlabAdam(size, s, a.f32(0, size, "param"), a.f32(1, size, "grad"), a.f32(2, size, "m"), a.f32(3, size, "v"),
                 a.f32(4, size, "paramOut"), a.f32(5, size, "mOut"), a.f32(6, size, "vOut"));
    });
  }

  // softmaxCrossEntropy(logits, targets, rows, classes, loss, dlogits)
  Napi::Value SoftmaxCrossEntropyJs(const Napi::CallbackInfo& info) {
    Args a{info, "AdvlabSoftmaxCrossEntropy"};
    return guarded(info, [&] {
      a.count(6);
      const int64_t rows = a.integer(2, "rows"), classes = a.integer(3, "classes");
      if (rows < 1 || classes < 1) throw a.error("needs at least one row and one class");
      AdvlabSoftmaxCrossEntropy(rows, classes, a.f32(0, rows * classes, "logits"), a.f32(1, rows * classes, "targets"),
                                a.f32(4, 1, "loss"), a.f32(5, rows * classes, "dlogits"));
    });
  }

  Napi::Value SetThreadsJs(const Napi::CallbackInfo& info) {
    Args a{info, "setThreads"};
    return guarded(info, [&] {
      a.count(1);
      ctx_.setThreads(static_cast<int>(a.integer(0, "threads")));
    });
  }

  Napi::Value InfoJs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto out = Napi::Object::New(env);
    const dnnl_version_t* v = dnnl_version();
    out.Set("onednn", std::to_string(v->major) + "." + std::to_string(v->minor) + "." + std::to_string(v->patch));
    out.Set("threads", ctx_.threads());
    out.Set("cachedPrimitives", static_cast<double>(ctx_.cacheSize()));
    return out;
  }

  Napi::Value ClearCacheJs(const Napi::CallbackInfo& info) {
    ctx_.clearCache();
    return info.Env().Undefined();
  }
};

}  // namespace
}  // namespace advlab

using advlab::OnednnAddon;
NODE_API_ADDON(OnednnAddon)
