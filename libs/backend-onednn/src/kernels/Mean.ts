import { Mean } from '@tensorflow/tfjs-core';
import { REDUCE_OP, reduceKernel } from './reduce_kernel';

export const meanConfig = reduceKernel(Mean, REDUCE_OP.Mean, 'axis');
