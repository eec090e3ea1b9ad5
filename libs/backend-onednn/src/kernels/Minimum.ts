import { Minimum } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const minimumConfig = binaryKernel(Minimum, BINARY_OP.Minimum);
