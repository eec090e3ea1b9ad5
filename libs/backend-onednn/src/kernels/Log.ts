import { Log } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const logConfig = unaryKernel(Log, UNARY_OP.Log);
