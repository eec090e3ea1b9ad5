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
 * Everything {@link Adam} keeps between steps, as plain arrays (no tensors): its
 * hyper-parameters, the step count `t` of the bias corrections, and the first and second
 * moment estimates of every parameter that has had a gradient. See {@link Adam.getState}.
 */
export interface AdamState {
  readonly beta1: number;
  readonly beta2: number;
  readonly epsilon: number;
  readonly weightDecay: number;
  /** Steps taken. */
  readonly t: number;
  /** First moments by parameter name. */
  readonly m: Readonly<Record<string, Float32Array>>;
  /** Second moments by parameter name (the same names as `m`). */
  readonly v: Readonly<Record<string, Float32Array>>;
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

  /** Copies of the step count and moment estimates (downloaded from the backend). */
  getState(): AdamState {
    const read = (vars: Record<string, tf.Variable>) => Object.fromEntries(Object.entries(vars).map(([name, x]) => [name, x.dataSync() as Float32Array]));
    return { beta1: this.beta1, beta2: this.beta2, epsilon: this.epsilon, weightDecay: this.weightDecay, t: this.t, m: read(this.m), v: read(this.v) };
  }

  /**
   * Replaces the step count and moment estimates with `state`'s (from {@link getState}), so the
   * next {@link step} computes what it would have computed in the optimizer `state` was taken
   * from. `params` gives the shapes; throws when the hyper-parameters, names or sizes differ.
   */
  setState(state: AdamState, params: Readonly<Record<string, tf.Variable>>): void {
    for (const key of ['beta1', 'beta2', 'epsilon', 'weightDecay'] as const) {
      if (state[key] !== this[key]) throw new Error(`Adam.setState: ${key} is ${this[key]} here, ${state[key]} in the state`);
    }
    if (!Number.isInteger(state.t) || state.t < 0) throw new Error(`Adam.setState: t must be an integer >= 0, got ${state.t}`);
    const names = Object.keys(state.m);
    if (names.length !== Object.keys(state.v).length || names.some((n) => !state.v[n])) throw new Error('Adam.setState: m and v name different parameters');
    for (const name of names) {
      const p = params[name];
      if (!p) throw new Error(`Adam.setState: moments for unknown parameter ${name}`);
      for (const moment of [state.m[name], state.v[name]]) {
        if (moment.length !== p.size) throw new Error(`Adam.setState: ${name} needs ${p.size} values (shape [${p.shape}]), got ${moment.length}`);
      }
    }
    this.dispose();
    for (const key of Object.keys(this.m)) delete this.m[key];
    for (const key of Object.keys(this.v)) delete this.v[key];
    for (const name of names) {
      const shape = params[name].shape;
      this.m[name] = tf.tidy(() => tf.variable(tf.tensor(state.m[name], shape, 'float32'), false));
      this.v[name] = tf.tidy(() => tf.variable(tf.tensor(state.v[name], shape, 'float32'), false));
    }
    this.t = state.t;
  }

  /** Releases the moment estimates. */
  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}
