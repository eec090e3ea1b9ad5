import { Square } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

export const squareConfig = unaryKernel(Square, UNARY_OP.Square);
