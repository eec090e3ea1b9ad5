import { backend_util } from '@tensorflow/tfjs-core';

/**
 * The addon's convolution geometry from tfjs's own `Conv2DInfo` (so padding, output size and
 * rounding are exactly tfjs's): `[n, inH, inW, inC, outH, outW, outC, kH, kW, strideH,
 * strideW, padTop, padBottom, padLeft, padRight]`. Null when the native kernels do not cover
 * the case (channels-first data, dilation, depthwise).
 */
export function convGeometry(info: backend_util.Conv2DInfo): number[] | null {
  if (info.dataFormat !== 'channelsLast' || info.dilationHeight !== 1 || info.dilationWidth !== 1) return null;
  if (info.inChannels * info.filterHeight * info.filterWidth === 0 || info.batchSize === 0) return null;
  const p = info.padInfo;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.outChannels,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    p.top,
    p.bottom,
    p.left,
    p.right,
  ];
}
