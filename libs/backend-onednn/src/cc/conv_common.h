// Memory descriptors and the forward descriptor shared by the three convolution kernels.
#pragma once

#include <string>

#include "context.h"
#include "kernels.h"

namespace advlab {
namespace conv {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

inline dnnl::memory::desc srcDesc(const ConvGeometry& g) { return {{g.n, g.inC, g.inH, g.inW}, dt::f32, tag::nhwc}; }
inline dnnl::memory::desc dstDesc(const ConvGeometry& g) { return {{g.n, g.outC, g.outH, g.outW}, dt::f32, tag::nhwc}; }
/** The filter as tfjs stores it: [kh, kw, in, out]. */
inline dnnl::memory::desc userWeightsDesc(const ConvGeometry& g) {
  return {{g.outC, g.inC, g.kH, g.kW}, dt::f32, tag::hwio};
}
/** The same shape with the layout left to the primitive. */
inline dnnl::memory::desc anyWeightsDesc(const ConvGeometry& g) {
  return {{g.outC, g.inC, g.kH, g.kW}, dt::f32, tag::any};
}
inline dnnl::memory::dims strides(const ConvGeometry& g) { return {g.strideH, g.strideW}; }
inline dnnl::memory::dims padL(const ConvGeometry& g) { return {g.padTop, g.padLeft}; }
inline dnnl::memory::dims padR(const ConvGeometry& g) { return {g.padBottom, g.padRight}; }

/** Forward descriptor, also the hint the backward primitives are created against. */
inline dnnl::convolution_forward::desc forwardDesc(const ConvGeometry& g, dnnl::prop_kind kind, bool bias) {
  if (bias) {
    dnnl::memory::desc biasDesc({g.outC}, dt::f32, tag::x);
    return {kind,           dnnl::algorithm::convolution_direct, srcDesc(g), anyWeightsDesc(g), biasDesc, dstDesc(g),
            strides(g), padL(g), padR(g)};
  }
  return {kind, dnnl::algorithm::convolution_direct, srcDesc(g), anyWeightsDesc(g), dstDesc(g), strides(g), padL(g),
          padR(g)};
}

/** Cache key part naming every geometry field. */
inline std::string key(const ConvGeometry& g) {
  return std::to_string(g.n) + "x" + std::to_string(g.inH) + "x" + std::to_string(g.inW) + "x" +
         std::to_string(g.inC) + ">" + std::to_string(g.outH) + "x" + std::to_string(g.outW) + "x" +
         std::to_string(g.outC) + "/k" + std::to_string(g.kH) + "x" + std::to_string(g.kW) + "/s" +
         std::to_string(g.strideH) + "x" + std::to_string(g.strideW) + "/p" + std::to_string(g.padTop) + "," +
         std::to_string(g.padBottom) + "," + std::to_string(g.padLeft) + "," + std::to_string(g.padRight);
}

/** Threads for one convolution pass: one for small ones (see kParallelMinFlops). */
inline int threadsFor(Context& ctx, const ConvGeometry& g) {
  const double flops = 2.0 * g.n * g.outH * g.outW * g.outC * g.kH * g.kW * g.inC;
  return flops < kParallelMinFlops ? 1 : ctx.threads();
}

inline std::string describe(const ConvGeometry& g) {
  return "x " + shapeString({g.n, g.inH, g.inW, g.inC}) + ", filter " + shapeString({g.kH, g.kW, g.inC, g.outC}) +
         ", y " + shapeString({g.n, g.outH, g.outW, g.outC}) + ", strides " + shapeString({g.strideH, g.strideW}) +
         ", pads " + shapeString({g.padTop, g.padBottom, g.padLeft, g.padRight});
}

/**
 * A user buffer in tfjs's layout and, when the primitive wants another layout, a reorder to or
 * from a buffer the primitive owns. Weights are small; the reorder is cheap next to the conv.
 */
struct Reordered {
  dnnl::memory user;
  dnnl::memory inner;
  dnnl::reorder toInner;
  dnnl::reorder fromInner;
  bool needed = false;

  Reordered() = default;
  Reordered(dnnl::engine& eng, const dnnl::memory::desc& userDesc, const dnnl::memory::desc& innerDesc, bool input)
      : user(userDesc, eng, DNNL_MEMORY_NONE), needed(userDesc != innerDesc) {
    if (needed) {
      inner = dnnl::memory(innerDesc, eng);
      if (input)
        toInner = dnnl::reorder(user, inner);
      else
        fromInner = dnnl::reorder(inner, user);
    } else {
      inner = user;
    }
  }
};

}  // namespace conv
}  // namespace advlab
