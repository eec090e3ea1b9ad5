import { KernelConfig } from '@tensorflow/tfjs-core';
import { absConfig } from './Abs';
import { addConfig } from './Add';
import { adamConfig } from './AdvlabAdam';
import { batchNormTrainConfig } from './AdvlabBatchNormTrain';
import { batchNormTrainGradConfig } from './AdvlabBatchNormTrainGrad';
import { dropoutMaskConfig } from './AdvlabDropoutMask';
import { reluGradConfig } from './AdvlabReluGrad';
import { softmaxCrossEntropyConfig } from './AdvlabSoftmaxCrossEntropy';
import { batchMatMulConfig } from './BatchMatMul';
import { clipByValueConfig } from './ClipByValue';
import { conv2DConfig } from './Conv2D';
import { conv2DBackpropFilterConfig } from './Conv2DBackpropFilter';
import { conv2DBackpropInputConfig } from './Conv2DBackpropInput';
import { expConfig } from './Exp';
import { fusedConv2DConfig } from './FusedConv2D';
import { logConfig } from './Log';
import { maxConfig } from './Max';
import { maxPoolConfig } from './MaxPool';
import { maxPoolGradConfig } from './MaxPoolGrad';
import { maximumConfig } from './Maximum';
import { meanConfig } from './Mean';
import { minConfig } from './Min';
import { minimumConfig } from './Minimum';
import { mulConfig } from './Mul';
import { negConfig } from './Neg';
import { realDivConfig } from './RealDiv';
import { reluConfig } from './Relu';
import { rsqrtConfig } from './Rsqrt';
import { signConfig } from './Sign';
import { sqrtConfig } from './Sqrt';
import { squareConfig } from './Square';
import { squaredDifferenceConfig } from './SquaredDifference';
import { stepConfig } from './Step';
import { subConfig } from './Sub';
import { sumConfig } from './Sum';

/** Every kernel this backend runs natively; the rest are the cpu backend's. */
export const NATIVE_KERNELS: readonly KernelConfig[] = [
  absConfig,
  addConfig,
  adamConfig,
  batchNormTrainConfig,
  batchNormTrainGradConfig,
  dropoutMaskConfig,
  reluGradConfig,
  softmaxCrossEntropyConfig,
  batchMatMulConfig,
  clipByValueConfig,
  conv2DConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  expConfig,
  fusedConv2DConfig,
  logConfig,
  maxConfig,
  maxPoolConfig,
  maxPoolGradConfig,
  maximumConfig,
  meanConfig,
  minConfig,
  minimumConfig,
  mulConfig,
  negConfig,
  realDivConfig,
  reluConfig,
  rsqrtConfig,
  signConfig,
  sqrtConfig,
  squareConfig,
  squaredDifferenceConfig,
  stepConfig,
  subConfig,
  sumConfig,
];
