import { Add } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const addConfig = binaryKernel(Add, BINARY_OP.Add);
