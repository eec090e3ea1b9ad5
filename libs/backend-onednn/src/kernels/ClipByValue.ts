import { ClipByValue, ClipByValueAttrs } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const clipByValueConfig = unaryKernel(ClipByValue, UNARY_OP.ClipByValue, (attrs) => {
  const { clipValueMin, clipValueMax } = attrs as unknown as ClipByValueAttrs;
  return [clipValueMin, clipValueMax];
});
