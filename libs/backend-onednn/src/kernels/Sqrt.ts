import { Sqrt } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const sqrtConfig = unaryKernel(Sqrt, UNARY_OP.Sqrt);
