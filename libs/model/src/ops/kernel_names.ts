/**
 * Kernels this library's ops dispatch to when the active backend registers them (the onednn
 * backend does); elsewhere the ops compute the same thing from tfjs-core ops. Each name lists
 * its inputs, attributes and outputs. Float32 throughout.
 */

/**
 * Batch normalisation with batch statistics over N, H, W, optionally followed by ReLU.
 * Inputs `{x [n,h,w,c], gamma [c], beta [c]}`; attrs `{epsilon, relu}`; outputs
 * `[y like x, mean [c], invStd [c] (1/sqrt(biased var + eps)), unbiasedVar [c]]`.
 */
export const AdvlabBatchNormTrain = 'AdvlabBatchNormTrain';

/**
 * Backward of {@link AdvlabBatchNormTrain}. Inputs `{dy, x, mean, invStd, gamma}` and, when the
 * forward had ReLU, `y` (its output: `dy` is masked by `y > 0`); attrs `{}`; outputs
 * `[dx like x, dgamma [c], dbeta [c]]`.
 */
export const AdvlabBatchNormTrainGrad = 'AdvlabBatchNormTrainGrad';

/** Gradient through a ReLU from its output: inputs `{dy, y}`; output `dy * (y > 0)`. */
export const AdvlabReluGrad = 'AdvlabReluGrad';

/**
 * Inverted-dropout mask (see `dropoutMask`): inputs `{imageIds int32 [n]}`; attrs
 * `{shape, rate, seed, layer}`; output the mask of `shape`.
 */
export const AdvlabDropoutMask = 'AdvlabDropoutMask';

/**
 * One Adam step on one parameter: inputs `{param, grad, m, v}`; attrs `{learningRate, beta1,
 * beta2, epsilon, weightDecay, step}` (`step` 1-based); outputs `[param, m, v]` updated.
 */
export const AdvlabAdam = 'AdvlabAdam';

/**
 * Batch-mean softmax cross-entropy and its logits gradient: inputs `{logits [n,k], targets
 * [n,k]}`; outputs `[loss scalar, dlogits [n,k] = (softmax - targets) / n]`.
 */
export const AdvlabSoftmaxCrossEntropy = 'AdvlabSoftmaxCrossEntropy';

/** Every custom kernel name above. */
export const ADVLAB_KERNEL_NAMES = [
  AdvlabBatchNormTrain,
  AdvlabBatchNormTrainGrad,
  AdvlabReluGrad,
  AdvlabDropoutMask,
  AdvlabAdam,
  AdvlabSoftmaxCrossEntropy,
] as const;
