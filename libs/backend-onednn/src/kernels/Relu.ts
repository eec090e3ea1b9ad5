import { Relu } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const reluConfig = unaryKernel(Relu, UNARY_OP.Relu);
