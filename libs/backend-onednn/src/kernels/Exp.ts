import { Exp } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const expConfig = unaryKernel(Exp, UNARY_OP.Exp);
