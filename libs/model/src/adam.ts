import * as tf from '@tensorflow/tfjs-core';
import { NamedTensors } from './network';
import { AdvlabAdam } from './ops/kernel_names';
import { hasKernel, runKernelOutputs } from './ops/native';

/** Options of {@link Adam}. */
export interface AdamOptions {
  readonly beta1?: number;
  readonly beta2?: number;
  readonly epsilon?: number;
  /** Decoupled weight decay (AdamW, Loshchilov and Hutter, 2019). Default 0: plain Adam. */
  readonly weightDecay?: number;
}

/**
 * Adam (Kingma and Ba, 2015) over named variables, with PyTorch's defaults and update rule:
 * `m = b1 m + (1 - b1) g`, `v = b2 v + (1 - b2) g^2`,
 * `p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`; with weight decay,
 * `p -= lr * wd * p` first. One fused kernel per parameter on backends with `AdvlabAdam`.
 */
export class Adam {
  private readonly m: Record<string, tf.Variable> = {};
  private readonly v: Record<string, tf.Variable> = {};
  private t = 0;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private readonly weightDecay: number;

  constructor(opts: AdamOptions = {}) {
    this.beta1 = opts.beta1 ?? 0.9;
    this.beta2 = opts.beta2 ?? 0.999;
    this.epsilon = opts.epsilon ?? 1e-8;
    this.weightDecay = opts.weightDecay ?? 0;
  }

  /** Steps taken so far. */
  get steps(): number {
    return this.t;
  }

  /** Applies one update with learning rate `lr` to every parameter that has a gradient. */
  step(params: Readonly<Record<string, tf.Variable>>, grads: NamedTensors, lr: number): void {
    this.t += 1;
    const c1 = 1 - this.beta1 ** this.t;
    const c2 = 1 - this.beta2 ** this.t;
    for (const [name, g] of Object.entries(grads)) {
      const p = params[name];
      if (!p) throw new Error(`Adam: gradient for unknown parameter ${name}`);
      if (!this.m[name]) {
        this.m[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
        this.v[name] = tf.tidy(() => tf.variable(tf.zerosLike(p), false));
      }
      const m = this.m[name];
      const v = this.v[name];
      if (hasKernel(AdvlabAdam)) {
        tf.tidy(() => {
          const attrs = { learningRate: lr, beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay, step: this.t };
          const [p2, m2, v2] = runKernelOutputs(AdvlabAdam, { param: p, grad: g, m, v }, attrs);
          m.assign(m2);
          v.assign(v2);
          p.assign(p2);
        });
        continue;
      }
      tf.tidy(() => {
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        v.assign(tf.add(tf.mul(v, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(v, c2)), this.epsilon);
        let next = tf.sub(p, tf.mul(tf.div(tf.div(m, c1), denom), lr));
        if (this.weightDecay > 0) next = tf.sub(next, tf.mul(p, lr * this.weightDecay));
        p.assign(next);
      });
    }
  }

  /** Releases the moment estimates. */
  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}
