import { Max } from '@tensorflow/tfjs-core';
import { REDUCE_OP, reduceKernel } from './reduce_kernel';

export const maxConfig = reduceKernel(Max, REDUCE_OP.Max, 'reductionIndices');
