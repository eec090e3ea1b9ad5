import { backend_util, Conv2D, Conv2DAttrs, Conv2DInputs, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { convGeometry } from './conv_geometry';
import { cpuFallback, f32, KernelArgs, named, output } from './native';

const fallback = cpuFallback(Conv2D);

/** Conv2D on oneDNN (NHWC, any stride and padding, no dilation); other cases on the cpu kernel. */
export function conv2D(args: KernelArgs<Conv2DInputs, Conv2DAttrs>): TensorInfo {
  const { inputs, backend, attrs } = args;
  const { x, filter } = inputs as { x: TensorInfo; filter: TensorInfo };
  const { strides, pad, dataFormat, dilations, dimRoundingMode } = attrs as Conv2DAttrs;
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
  if (!geometry || !xv || !wv) return fallback(args as never) as TensorInfo;
  const out = output(backend, info.outShape);
  named(Conv2D, () => backend.native.conv2d(xv, wv, null, out.values, geometry, false));
  return out.info;
}

export const conv2DConfig: KernelConfig = { kernelName: Conv2D, backendName: 'onednn', kernelFunc: conv2D as unknown as KernelFunc };
