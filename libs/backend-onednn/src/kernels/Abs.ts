import { Abs } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const absConfig = unaryKernel(Abs, UNARY_OP.Abs);
