import { Sum } from '@tensorflow/tfjs-core';
import { REDUCE_OP, reduceKernel } from './reduce_kernel';

export const sumConfig = reduceKernel(Sum, REDUCE_OP.Sum, 'axis');
