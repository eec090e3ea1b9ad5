import * as tf from '@tensorflow/tfjs-core';
import { LogitsObjective } from './classifier';

/**
 * Losses an attack can climb: the two training losses, the margin loss of Carlini and
 * Wagner (2017), "Towards Evaluating the Robustness of Neural Networks", `max_{j != y} z_j - z_y`,
 * which does not saturate when the softmax does, or the Difference of Logits Ratio of Croce and
 * Hein (2020), "Reliable evaluation of adversarial robustness with an ensemble of diverse
 * parameter-free attacks", ICML: the margin divided by the spread of the top logits, so that it
 * is invariant to shifting and rescaling the logits (it needs at least 3 classes).
 */
export type { AttackLossName } from '@advlab/config';
import type { AttackLossName } from '@advlab/config';

/** The losses {@link AttackLossName} accepts, for validation messages. */
export { ATTACK_LOSS_NAMES } from '@advlab/config';

/** Classes a loss needs: 3 for DLR (it reads the third largest logit), 2 otherwise. */
export function minClassesFor(loss: AttackLossName): number {
  return loss === 'dlr' ? 3 : 2;
}

/** Added to the DLR denominators, as in the reference implementation, so that equal top logits do not divide by zero. */
export const DLR_EPSILON = 1e-12;

/**
 * Loss of each image for class `labels`, `[n]`, from logits `[n, classes]`:
 * - cross-entropy: `-log softmax(z)_y`;
 * - ova: `softplus(-z_y) + sum_{i != y} softplus(z_i)` (one sigmoid per class);
 * - margin: `max_{j != y} z_j - z_y` (positive once the image is misclassified);
 * - dlr: `-(z_y - max_{j != y} z_j) / (z_pi1 - z_pi3 + 1e-12)`, `z_pi1 >= z_pi2 >= z_pi3` the
 *   sorted logits (positive once misclassified; in [-1, 1] when `y` is among the top two).
 *
 * @param onehot `[n, classes]` one-hot rows of the classes.
 */
export function perImageLoss(name: AttackLossName, logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    switch (name) {
      case 'cross-entropy':
        return tf.neg(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
      case 'ova':
        return tf.sum(tf.add(tf.mul(onehot, tf.softplus(tf.neg(logits))), tf.mul(tf.sub(1, onehot), tf.softplus(logits))), 1) as tf.Tensor1D;
      case 'margin':
        return tf.sub(tf.max(otherLogits(logits, onehot), 1), tf.sum(tf.mul(onehot, logits), 1)) as tf.Tensor1D;
      case 'dlr': {
        const { values } = tf.topk(logits, 3);
        const spread = tf.add(tf.sub(column(values, 0), column(values, 2)), DLR_EPSILON);
        return tf.div(tf.sub(tf.max(otherLogits(logits, onehot), 1), tf.sum(tf.mul(onehot, logits), 1)), spread) as tf.Tensor1D;
      }
    }
  });
}

/**
 * Gradient of each image's {@link perImageLoss} with respect to its logits, `[n, classes]`:
 * `softmax(z) - y` (cross-entropy), `sigmoid(z) - y` (ova), `e_j* - y` with `j*` the best other
 * class (margin), and for dlr, with `m = z_j* - z_y` and `s = z_pi1 - z_pi3 + 1e-12`,
 * `(e_j* - y) / s - m (e_pi1 - e_pi3) / s^2`.
 */
export function perImageLossGradient(name: AttackLossName, logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    switch (name) {
      case 'cross-entropy':
        return tf.sub(tf.softmax(logits), onehot);
      case 'ova':
        return tf.sub(tf.sigmoid(logits), onehot);
      case 'margin': {
        const best = tf.oneHot(tf.argMax(otherLogits(logits, onehot), 1), logits.shape[1]);
        return tf.sub(tf.cast(best, 'float32'), onehot);
      }
      case 'dlr': {
        const k = logits.shape[1];
        const others = otherLogits(logits, onehot);
        const best = tf.cast(tf.oneHot(tf.argMax(others, 1), k), 'float32');
        const margin = tf.reshape(tf.sub(tf.max(others, 1), tf.sum(tf.mul(onehot, logits), 1)), [-1, 1]);
        const { values, indices } = tf.topk(logits, 3);
        const spread = tf.reshape(tf.add(tf.sub(column(values, 0), column(values, 2)), DLR_EPSILON), [-1, 1]);
        const dSpread = tf.sub(rankOneHot(indices, 0, k), rankOneHot(indices, 2, k));
        return tf.sub(tf.div(tf.sub(best, onehot), spread), tf.mul(tf.div(margin, tf.square(spread)), dSpread)) as tf.Tensor2D;
      }
    }
  });
}

/**
 * Targeted DLR loss of each image, `[n]`, the loss of APGD-T (Croce and Hein 2020):
 * `-(z_y - z_t) / (z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12)` with `y` the true class, `t` the target
 * and `z_pi1 >= ... >= z_pi4` the sorted logits. Climbing it pulls `z_t` above `z_y`; it is
 * positive once `z_t > z_y`. Needs at least 4 classes.
 *
 * @param onehotTrue `[n, classes]` one-hot rows of the true classes.
 * @param onehotTarget `[n, classes]` one-hot rows of the target classes.
 */
export function targetedDlrLoss(logits: tf.Tensor2D, onehotTrue: tf.Tensor2D, onehotTarget: tf.Tensor2D): tf.Tensor1D {
  return tf.tidy(() => {
    const { values } = tf.topk(logits, 4);
    const spread = tf.add(tf.sub(column(values, 0), tf.mul(tf.add(column(values, 2), column(values, 3)), 0.5)), DLR_EPSILON);
    return tf.div(tf.sub(tf.sum(tf.mul(onehotTarget, logits), 1), tf.sum(tf.mul(onehotTrue, logits), 1)), spread) as tf.Tensor1D;
  });
}

/**
 * Gradient of {@link targetedDlrLoss} with respect to the logits, `[n, classes]`: with
 * `m = z_t - z_y` and `s = z_pi1 - (z_pi3 + z_pi4) / 2 + 1e-12`,
 * `(e_t - e_y) / s - m (e_pi1 - (e_pi3 + e_pi4) / 2) / s^2`.
 */
export function targetedDlrLossGradient(logits: tf.Tensor2D, onehotTrue: tf.Tensor2D, onehotTarget: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const k = logits.shape[1];
    const { values, indices } = tf.topk(logits, 4);
    const margin = tf.reshape(tf.sub(tf.sum(tf.mul(onehotTarget, logits), 1), tf.sum(tf.mul(onehotTrue, logits), 1)), [-1, 1]);
    const spread = tf.reshape(tf.add(tf.sub(column(values, 0), tf.mul(tf.add(column(values, 2), column(values, 3)), 0.5)), DLR_EPSILON), [-1, 1]);
    const dSpread = tf.sub(rankOneHot(indices, 0, k), tf.mul(tf.add(rankOneHot(indices, 2, k), rankOneHot(indices, 3, k)), 0.5));
    return tf.sub(tf.div(tf.sub(onehotTarget, onehotTrue), spread), tf.mul(tf.div(margin, tf.square(spread)), dSpread)) as tf.Tensor2D;
  });
}

/**
 * The objective an attack climbs, summed over the batch so that each image's gradient is its
 * own loss gradient: `+loss(y)` untargeted (push away from the true class), `-loss(t)` targeted
 * (pull towards the target class).
 */
export function attackObjective(name: AttackLossName, onehot: tf.Tensor2D, targeted: boolean): LogitsObjective {
  const sign = targeted ? -1 : 1;
  return (logits) =>
    tf.tidy(() => ({
      value: tf.mul(tf.sum(perImageLoss(name, logits, onehot)), sign) as tf.Scalar,
      dlogits: tf.mul(perImageLossGradient(name, logits, onehot), sign) as tf.Tensor2D,
    }));
}

/** One-hot `[n, classes]` float32 rows of `classes`. */
export function oneHot(classes: Int32Array, numClasses: number): tf.Tensor2D {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(classes, 'int32'), numClasses), 'float32') as tf.Tensor2D);
}

/** Column `j` of a `[n, k]` tensor, `[n]`. */
function column(t: tf.Tensor2D, j: number): tf.Tensor1D {
  return tf.reshape(tf.slice(t, [0, j], [-1, 1]), [-1]) as tf.Tensor1D;
}

/** One-hot `[n, classes]` rows of the class at rank `j` of `topk` indices `[n, k]`. */
function rankOneHot(indices: tf.Tensor2D, j: number, numClasses: number): tf.Tensor2D {
  return tf.cast(tf.oneHot(tf.cast(column(indices, j), 'int32') as tf.Tensor1D, numClasses), 'float32') as tf.Tensor2D;
}

/** Logits with the labelled class pushed far below every other. */
function otherLogits(logits: tf.Tensor2D, onehot: tf.Tensor2D): tf.Tensor2D {
  return tf.sub(logits, tf.mul(onehot, 1e9));
}
