import { Multiply } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const mulConfig = binaryKernel(Multiply, BINARY_OP.Mul);
