import { Neg } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const negConfig = unaryKernel(Neg, UNARY_OP.Neg);
