import { backend_util } from '@tensorflow/tfjs-core';

/** The addon's pooling geometry `[n, inH, inW, c, outH, outW, kH, kW, strideH, strideW, padTop, padLeft]`, or null (dilation). */
export function poolGeometry(info: backend_util.Conv2DInfo): number[] | null {
  if (info.dilationHeight !== 1 || info.dilationWidth !== 1 || info.dataFormat !== 'channelsLast') return null;
  return [
    info.batchSize,
    info.inHeight,
    info.inWidth,
    info.inChannels,
    info.outHeight,
    info.outWidth,
    info.filterHeight,
    info.filterWidth,
    info.strideHeight,
    info.strideWidth,
    info.padInfo.top,
    info.padInfo.left,
  ];
}
