import { Rsqrt } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const rsqrtConfig = unaryKernel(Rsqrt, UNARY_OP.Rsqrt);
