// Conv2DBackpropFilter on oneDNN's backward-weights primitive; the gradient is reordered back
// into tfjs's [kh, kw, in, out] layout.
#include "../conv_common.h"

namespace advlab {
namespace {

struct BackpropFilterPrimitive : CachedPrimitive {
  dnnl::convolution_backward_weights prim;
  dnnl::memory src, diffDst;
  conv::Reordered diffWeights;
};

}  // namespace

void Conv2DBackpropFilter(Context& ctx, const ConvGeometry& g, const float* x, const float* dy, float* dw) {
  const std::string key = "Conv2DBackpropFilter:" + conv::key(g);
  // The thread count is a function of the geometry, so one cache entry per key still holds.
  ThreadScope threads(ctx, conv::threadsFor(ctx, g));
  try {
    auto& p = ctx.cached<BackpropFilterPrimitive>(key, [&] {
      auto e = std::make_unique<BackpropFilterPrimitive>();
      auto& eng = ctx.engine();
      dnnl::convolution_forward::primitive_desc hint(conv::forwardDesc(g, dnnl::prop_kind::forward_training, false),
                                                     eng);
      dnnl::convolution_backward_weights::desc d(dnnl::algorithm::convolution_direct, conv::srcDesc(g),
                                                 conv::anyWeightsDesc(g), conv::dstDesc(g), conv::strides(g),
                                                 conv::padL(g), conv::padR(g));
      dnnl::convolution_backward_weights::primitive_desc pd(d, eng, hint);
      e->prim = dnnl::convolution_backward_weights(pd);
      e->src = dnnl::memory(pd.src_desc(), eng, DNNL_MEMORY_NONE);
      e->diffDst = dnnl::memory(pd.diff_dst_desc(), eng, DNNL_MEMORY_NONE);
      e->diffWeights = conv::Reordered(eng, conv::userWeightsDesc(g), pd.diff_weights_desc(), false);
      return e;
    });
    auto& strm = ctx.stream();
    p.src.set_data_handle(const_cast<float*>(x));
    p.diffDst.set_data_handle(const_cast<float*>(dy));
    p.diffWeights.user.set_data_handle(dw);
    p.prim.execute(strm, {{DNNL_ARG_SRC, p.src}, {DNNL_ARG_DIFF_DST, p.diffDst},
                          {DNNL_ARG_DIFF_WEIGHTS, p.diffWeights.inner}});
    if (p.diffWeights.needed) p.diffWeights.fromInner.execute(strm, p.diffWeights.inner, p.diffWeights.user);
    strm.wait();
  } catch (const dnnl::error& err) {
    throw KernelError(std::string("Conv2DBackpropFilter: oneDNN failed (") + err.what() + ") for " +
                      conv::describe(g));
  }
}

}  // namespace advlab
