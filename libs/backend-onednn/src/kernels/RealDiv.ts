import { RealDiv } from '@tensorflow/tfjs-core';
import { BINARY_OP, binaryKernel } from './binary_kernel';

export const realDivConfig = binaryKernel(RealDiv, BINARY_OP.Div);
