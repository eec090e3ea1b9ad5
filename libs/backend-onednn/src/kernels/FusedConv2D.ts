import { backend_util, FusedConv2D, FusedConv2DAttrs, FusedConv2DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv_geometry';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

const fallback = cpuFallback(FusedConv2D);

/**
 * FusedConv2D with a per-channel bias and a linear or ReLU activation in one oneDNN primitive
 * (bias and ReLU as the primitive's bias and post-op); other activations on the cpu kernel.
 */
export function fusedConv2D(args: KernelArgs<FusedConv2DInputs, FusedConv2DAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter, bias } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode, activation } = attrs as FusedConv2DAttrs;
  const info = backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number],
    filter.shape as [number, number, number, number],
    strides,
    dilations,
    pad,
    dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(dataFormat),
  );
  const geometry = convGeometry(info);
  const xv = f32(backend, x);
  const wv = f32(backend, filter);
  const bv = bias ? f32(backend, bias) : null;
  const biasOk = !bias || (bv !== null && bias.shape.length === 1 && bias.shape[0] === info.outChannels);
  const act = activation ?? 'linear';
  if (!geometry || !xv || !wv || !biasOk || (act !== 'linear' && act !== 'relu')) return fallback(args as never) as TensorInfo;
  const out = output(backend, info.outShape);
  named(FusedConv2D, () => backend.native.conv2d(xv, wv, bv, out.values, geometry, act === 'relu'));
  return out.info;
}

export const fusedConv2DConfig: KernelConfig = { kernelName: FusedConv2D, backendName: 'onednn', kernelFunc: fusedConv2D as unknown as KernelFunc };
