import { Sub } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const subConfig = binaryKernel(Sub, BINARY_OP.Sub);
