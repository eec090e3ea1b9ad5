/** What every benchmark section shares: options, backends, repetition statistics, the PyTorch runner. */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { BackendName, useBackend } from '@advlab/model';

/** Options every section receives (the command line's, passed through unchanged). */
export interface BenchOptions {
  readonly json: boolean;
  /** Untimed steps before the repetitions. */
  readonly warmup?: number;
  /** Timed steps (or attack calls) per repetition. */
  readonly iterations?: number;
  /** Measured repetitions; figures are their median, with min and max. Default 5. */
  readonly repetitions?: number;
  /** Training threads on wasm ('auto' or a count). */
  readonly workers?: number | 'auto';
  /** Tensor backends to measure, in order. Default: onednn and wasm, those that load. */
  readonly backends?: readonly BackendName[];
  /** Images of the bundled training set in the adversarial-training epoch. Default all. */
  readonly advImages?: number;
  /** Images of the AutoAttack benchmark. Default 4. */
  readonly autoAttackImages?: number;
  readonly noTorch: boolean;
}

/**
 * The environment as the bench started, before any backend loaded: the onednn addon sets
 * OMP_WAIT_POLICY=passive for its own process, and PyTorch must not inherit that.
 */
const STARTING_ENV: NodeJS.ProcessEnv = { ...process.env };

export const DEFAULT_BACKENDS: readonly BackendName[] = ['onednn', 'wasm'];
export const DEFAULT_REPETITIONS = 5;
export const PYTHON = '/usr/bin/python3';

/** The backends of `opts` that load here, each activated in turn by the caller; skipped ones are logged. */
export async function loadableBackends(opts: BenchOptions, log: (msg: string) => void): Promise<BackendName[]> {
  const out: BackendName[] = [];
  for (const b of opts.backends ?? DEFAULT_BACKENDS) {
    try {
      await useBackend(b);
      out.push(b);
    } catch (err) {
      log(`bench: ${b} not measured (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    }
  }
  return out;
}

/** Median, min and max of repetitions. */
export interface Spread {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median: round(median), min: round(s[0]), max: round(s[s.length - 1]) };
}

/**
 * Runs `once` (which must have read a result back, so that the work is done when it resolves)
 * `repetitions` times and returns each run's rate `units / seconds`.
 */
export async function measure(repetitions: number, units: number, once: () => Promise<void>): Promise<number[]> {
  const rates: number[] = [];
  for (let r = 0; r < repetitions; r++) {
    const t = performance.now();
    await once();
    rates.push((units * 1000) / (performance.now() - t));
  }
  return rates;
}

export function round(x: number): number {
  return Math.round(x * 100) / 100;
}

export function ratio(ours: number, theirs: number | undefined): number | null {
  return theirs ? Math.round((ours / theirs) * 100) / 100 : null;
}

/** `{median, min, max}` as the figure (the median) and its `[min, max]` range. */
export function figure(s: Spread): { value: number; range: [number, number] } {
  return { value: s.median, range: [s.min, s.max] };
}

/** Runs a PyTorch reference script under Debian's Python; null when torch is not importable. */
export async function runTorch<T>(script: string, args: string[]): Promise<T | null> {
  const run = promisify(execFile);
  try {
    await run(PYTHON, ['-c', 'import torch']);
  } catch {
    return null;
  }
  const { stdout } = await run(PYTHON, [path.join(__dirname, script), ...args], { maxBuffer: 1 << 22, env: STARTING_ENV });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as T;
}

/** Merges section results keyed by backend (`{onednn: {...}, wasm: {...}, torch: {...}}`) one level deep. */
export function mergeByBackend(into: Record<string, unknown>, part: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(part)) {
    const prev = into[k];
    if (prev && typeof prev === 'object' && !Array.isArray(prev) && v && typeof v === 'object' && !Array.isArray(v)) {
      into[k] = { ...(prev as Record<string, unknown>), ...(v as Record<string, unknown>) };
    } else {
      into[k] = v;
    }
  }
}
