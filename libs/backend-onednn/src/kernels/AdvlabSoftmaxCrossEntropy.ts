import { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { AdvlabSoftmaxCrossEntropy } from '@advlab/model';
import { f32, KernelArgs, named, output } from './native';

/** Batch-mean softmax cross-entropy and its logits gradient in one pass per row. */
export function softmaxCrossEntropy(args: KernelArgs<{ logits: TensorInfo; targets: TensorInfo }>): TensorInfo[] {
  const { inputs, backend } = args;
  const { logits, targets } = inputs;
  const [lv, tv] = [f32(backend, logits), f32(backend, targets)];
  if (!lv || !tv || logits.shape.length !== 2 || logits.shape.join() !== targets.shape.join()) {
    throw new Error(`${AdvlabSoftmaxCrossEntropy}: expected float32 logits and targets [n, classes], got [${logits.shape}] and [${targets.shape}]`);
  }
  const [rows, classes] = logits.shape;
  const loss = output(backend, []);
  const dlogits = output(backend, logits.shape);
  named(AdvlabSoftmaxCrossEntropy, () => backend.native.softmaxCrossEntropy(lv, tv, rows, classes, loss.values, dlogits.values));
  return [loss.info, dlogits.info];
}

export const softmaxCrossEntropyConfig: KernelConfig = {
  kernelName: AdvlabSoftmaxCrossEntropy,
  backendName: 'onednn',
  kernelFunc: softmaxCrossEntropy as unknown as KernelFunc,
};
