import { SquaredDifference } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const squaredDifferenceConfig = binaryKernel(SquaredDifference, BINARY_OP.SquaredDifference);
