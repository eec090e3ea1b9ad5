import { Min } from '@tensorflow/tfjs-core';
import { REDUCE_OP, reduceKernel } from './reduce_kernel';

export const minConfig = reduceKernel(Min, REDUCE_OP.Min, 'axis');
