// Conv2D and FusedConv2D (bias, ReLU) on oneDNN: NHWC activations used in place, the filter
// reordered into the layout the chosen implementation (brgconv on AVX-512) wants.
#include "../conv_common.h"

namespace advlab {
namespace {

struct Conv2DPrimitive : CachedPrimitive {
  dnnl::convolution_forward prim;
  dnnl::memory src, dst, bias;
  conv::Reordered weights;
};

}  // namespace

void Conv2D(Context& ctx, const ConvGeometry& g, const float* x, const float* w, const float* bias, bool relu,
            float* y) {
  const bool hasBias = bias != nullptr;
  const std::string key = "Conv2D:" + conv::key(g) + (hasBias ? "+b" : "") + (relu ? "+relu" : "");
  // The thread count is a function of the geometry, so one cache entry per key still holds.
  ThreadScope threads(ctx, conv::threadsFor(ctx, g));
  try {
    auto& p = ctx.cached<Conv2DPrimitive>(key, [&] {
      auto e = std::make_unique<Conv2DPrimitive>();
      auto& eng = ctx.engine();
      dnnl::primitive_attr attr;
      if (relu) {
        dnnl::post_ops ops;
        ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
        attr.set_post_ops(ops);
      }
      dnnl::convolution_forward::primitive_desc pd(conv::forwardDesc(g, dnnl::prop_kind::forward_inference, hasBias),
                                                   attr, eng);
      e->prim = dnnl::convolution_forward(pd);
      e->src = dnnl::memory(pd.src_desc(), eng, DNNL_MEMORY_NONE);
      e->dst = dnnl::memory(pd.dst_desc(), eng, DNNL_MEMORY_NONE);
      if (hasBias) e->bias = dnnl::memory(pd.bias_desc(), eng, DNNL_MEMORY_NONE);
      e->weights = conv::Reordered(eng, conv::userWeightsDesc(g), pd.weights_desc(), true);
      return e;
    });
    auto& strm = ctx.stream();
    p.src.set_data_handle(const_cast<float*>(x));
    p.dst.set_data_handle(y);
    p.weights.user.set_data_handle(const_cast<float*>(w));
    if (p.weights.needed) p.weights.toInner.execute(strm, p.weights.user, p.weights.inner);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, p.src}, {DNNL_ARG_WEIGHTS, p.weights.inner}, {DNNL_ARG_DST, p.dst}};
    if (hasBias) {
      p.bias.set_data_handle(const_cast<float*>(bias));
      args.emplace(DNNL_ARG_BIAS, p.bias);
    }
    p.prim.execute(strm, args);
    strm.wait();
  } catch (const dnnl::error& err) {
    throw KernelError(std::string("Conv2D: oneDNN failed (") + err.what() + ") for " + conv::describe(g));
  }
}

}  // namespace advlab
