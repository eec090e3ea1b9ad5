import { Step, StepAttrs } from '@tensorflow/tfjs-core';
import { UNARY_OP, unaryKernel } from './unary_kernel';

/** `x > 0 ? 1 : alpha` (NaN stays NaN). */
export const stepConfig = unaryKernel(Step, UNARY_OP.Step, (attrs) => [(attrs as unknown as StepAttrs).alpha ?? 0, 0]);
