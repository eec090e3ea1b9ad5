// Conv2DBackpropInput on oneDNN's backward-data primitive (the real transposed convolution,
// not a forward conv with a flipped filter).
#include "../conv_common.h"

namespace advlab {
namespace {

struct BackpropInputPrimitive : CachedPrimitive {
  dnnl::convolution_backward_data prim;
  dnnl::memory diffSrc, diffDst;
  conv::Reordered weights;
};

}  // namespace

void Conv2DBackpropInput(Context& ctx, const ConvGeometry& g, const float* dy, const float* w, float* dx) {
  const std::string key = "Conv2DBackpropInput:" + conv::key(g);
  // The thread count is a function of the geometry, so one cache entry per key still holds.
  ThreadScope threads(ctx, conv::threadsFor(ctx, g));
  try {
    auto& p = ctx.cached<BackpropInputPrimitive>(key, [&] {
      auto e = std::make_unique<BackpropInputPrimitive>();
      auto& eng = ctx.engine();
      dnnl::convolution_forward::primitive_desc hint(conv::forwardDesc(g, dnnl::prop_kind::forward_training, false),
                                                     eng);
      dnnl::convolution_backward_data::desc d(dnnl::algorithm::convolution_direct, conv::srcDesc(g),
                                              conv::anyWeightsDesc(g), conv::dstDesc(g), conv::strides(g),
                                              conv::padL(g), conv::padR(g));
      dnnl::convolution_backward_data::primitive_desc pd(d, eng, hint);
      e->prim = dnnl::convolution_backward_data(pd);
      e->diffSrc = dnnl::memory(pd.diff_src_desc(), eng, DNNL_MEMORY_NONE);
      e->diffDst = dnnl::memory(pd.diff_dst_desc(), eng, DNNL_MEMORY_NONE);
      e->weights = conv::Reordered(eng, conv::userWeightsDesc(g), pd.weights_desc(), true);
      return e;
    });
    auto& strm = ctx.stream();
    p.diffSrc.set_data_handle(dx);
    p.diffDst.set_data_handle(const_cast<float*>(dy));
    p.weights.user.set_data_handle(const_cast<float*>(w));
    if (p.weights.needed) p.weights.toInner.execute(strm, p.weights.user, p.weights.inner);
    p.prim.execute(strm, {{DNNL_ARG_DIFF_SRC, p.diffSrc}, {DNNL_ARG_WEIGHTS, p.weights.inner},
                          {DNNL_ARG_DIFF_DST, p.diffDst}});
    strm.wait();
  } catch (const dnnl::error& err) {
    throw KernelError(std::string("Conv2DBackpropInput: oneDNN failed (") + err.what() + ") for " +
                      conv::describe(g));
  }
}

}  // namespace advlab
