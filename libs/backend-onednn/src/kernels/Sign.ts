import { Sign } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const signConfig = unaryKernel(Sign, UNARY_OP.Sign);
