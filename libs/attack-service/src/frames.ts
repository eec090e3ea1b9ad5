import {
  AttackMethod,
  predictionOf,
  Split,
  type AttackConfig,
  type AttackFrame,
  type DatasetImageRef,
  type ImageInput,
} from '@advlab/contract';
import { modelClassifier, perImageLoss, perturbationImage, runAttackSpec, type AttackStep } from '@advlab/attacks';
import { attackSpecOf, checkTarget, resolveAttackConfig, resolveLiveAttackOptions } from '@advlab/config/resolve';
import { decodeImage, encodePng, imagesToTensor } from '@advlab/data';
import { invalidArgument, PushStream } from '@advlab/grpc-server';
import { splitOptions, type LoadedModel, type Registry } from '@advlab/registry';
import * as tf from '@tensorflow/tfjs-core';

/** What one live attack works on. */
export interface LiveAttackInput {
  image?: { $case: 'upload'; value: ImageInput } | { $case: 'datasetImage'; value: DatasetImageRef };
  attack?: AttackConfig;
  trueClass?: number;
  topK?: number;
  frameEvery?: number;
  amplification?: number;
}

/** The image under attack as uint8 RGB at the model's size, and its label when known. */
async function loadImage(registry: Registry, loaded: LoadedModel, image: LiveAttackInput['image']): Promise<{ pixels: Uint8Array; label?: number }> {
  const size = loaded.model.config.imageSize;
  if (image?.$case === 'upload') {
    if (!image.value.data.length) throw invalidArgument('upload.data is empty');
    const decoded = await decodeImage(Buffer.from(image.value.data), { imageSize: size, limitInputPixels: registry.datasets.pixelLimit() });
    if (!decoded.ok) throw invalidArgument(`upload "${image.value.id}" is not a readable image (${decoded.reason}: ${decoded.detail})`);
    return { pixels: decoded.pixels };
  }
  if (image?.$case === 'datasetImage') {
    const ref = image.value;
    const { images } = await registry.datasets.split(ref.datasetId || loaded.record.datasetId, ref.split || Split.SPLIT_UNSPECIFIED, splitOptions(loaded.record.training));
    if (images.height !== size) throw invalidArgument(`dataset images are ${images.height}px but the model takes ${size}px`);
    if (ref.index >= images.count) throw invalidArgument(`dataset_image.index must be in [0, ${images.count - 1}], got ${ref.index}`);
    const per = size * size * 3;
    return { pixels: images.pixels.slice(ref.index * per, (ref.index + 1) * per), label: images.labels[ref.index] };
  }
  throw invalidArgument('image is required: upload or dataset_image');
}

/**
 * Attacks one image and yields a frame after every `frameEvery` steps (the
 * clean image first as step 0, the last step always). The attack waits for
 * each frame to be taken before its next step, so a slow reader slows the
 * attack instead of making frames pile up; aborting `signal` stops it.
 */
export async function* attackFrames(registry: Registry, loaded: LoadedModel, input: LiveAttackInput, signal: AbortSignal): AsyncGenerator<AttackFrame> {
  const classes = loaded.record.config?.classNames ?? [];
  const k = loaded.model.numClasses;
  const attack = resolveAttackConfig(input.attack, 'evaluate');
  if (attack.method === AttackMethod.ATTACK_METHOD_AUTOATTACK) {
    throw invalidArgument('attack.method: AutoAttack is a cascade of attacks, not one sequence of steps to stream; run it with Evaluate or Attack');
  }
  checkTarget(attack, k, 'attack');
  const spec = attackSpecOf(attack);
  const { topK, frameEvery, amplification: gain } = resolveLiveAttackOptions(input, k);
  if (input.trueClass !== undefined && input.trueClass >= k) throw invalidArgument(`true_class must be in [0, ${k - 1}], got ${input.trueClass}`);

  const size = loaded.model.config.imageSize;
  const { pixels, label } = await loadImage(registry, loaded, input.image);
  const classifier = modelClassifier(loaded.model, { loss: loaded.loss });
  const x = imagesToTensor(pixels, 1, size, size);
  const steps = spec.steps * spec.restarts;

  const frameOf = async (xAdv: tf.Tensor4D, step: number, loss: number, trueClass: number, maxPerturbation: number): Promise<AttackFrame> => {
    const [probs, adv, delta] = tf.tidy(() => [
      classifier.logits(xAdv),
      tf.reshape(xAdv, [size, size, 3]),
      tf.reshape(perturbationImage(x, xAdv, gain), [size, size, 3]),
    ]);
    const p = tf.tidy(() => (loaded.loss === 'ova' ? tf.sigmoid(probs) : tf.softmax(probs)));
    const [pv, av, dv] = await Promise.all([p.data(), adv.data(), delta.data()]);
    tf.dispose([probs, adv, delta, p]);
    const prediction = predictionOf(pv as Float32Array, classes, topK);
    const success = attack.targetClass !== undefined ? prediction.classIndex === attack.targetClass : prediction.classIndex !== trueClass;
    return {
      step,
      totalSteps: steps,
      imagePng: await encodePng(av as Float32Array, size, size),
      perturbationPng: await encodePng(dv as Float32Array, size, size),
      prediction,
      loss,
      maxPerturbation,
      success,
      trueClass: attack.targetClass ?? trueClass,
    };
  };

  // Stops the attack when the client goes away or this generator is closed early.
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  // The attack's steps hand their frames over one at a time: a step waits until its frame is taken.
  const frames = new PushStream<AttackFrame>();
  let running: Promise<void> | undefined;
  try {
    const cleanLogits = tf.tidy(() => tf.argMax(classifier.logits(x), 1));
    const cleanClass = (await cleanLogits.data())[0];
    cleanLogits.dispose();
    const trueClass = input.trueClass ?? label ?? cleanClass;
    // The attack loss of the clean image (of the target class for a targeted attack), as the steps report it.
    const lossTensor = tf.tidy(() =>
      perImageLoss(spec.loss ?? loaded.loss, classifier.logits(x), tf.cast(tf.oneHot([attack.targetClass ?? trueClass], k), 'float32') as tf.Tensor2D),
    );
    const cleanLoss = (await lossTensor.data())[0];
    lossTensor.dispose();
    yield await frameOf(x, 0, cleanLoss, trueClass, 0);
    const labels = Int32Array.of(trueClass);
    const onStep = async (s: AttackStep) => {
      const step = s.restart * spec.steps + s.step;
      if (step % frameEvery !== 0 && step !== steps) return;
      await frames.offer(await frameOf(s.xAdv, step, s.loss, trueClass, spec.norm === 'l2' ? s.maxL2Delta : s.maxAbsDelta));
    };
    // Settles, never rejects: the attack's failure ends the frames and reaches the consumer there.
    running = runAttackSpec(classifier, x, labels, spec, { seed: 0, signal: stop.signal, onStep }).then(
      (r) => {
        r.xAdv.dispose();
        frames.end();
      },
      (err: unknown) => frames.end(stop.signal.aborted ? undefined : err),
    );
    yield* frames;
  } finally {
    // If the consumer left early: abort, and let a waiting step go so the attack sees it and ends.
    stop.abort(new Error('attack stream closed'));
    signal.removeEventListener('abort', onAbort);
    frames.end();
    await frames[Symbol.asyncIterator]().return?.();
    await running;
    x.dispose();
  }
}
