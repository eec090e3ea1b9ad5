import { Maximum } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const maximumConfig = binaryKernel(Maximum, BINARY_OP.Maximum);
