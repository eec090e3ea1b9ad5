import * as tf from '@tensorflow/tfjs-core';

/** The TensorFlow.js backends this library can run on, fastest first. */
export const BACKEND_NAMES = ['gpu', 'node', 'onednn', 'wasm', 'cpu'] as const;
/**
 * `gpu` = tfjs-node-gpu (CUDA), `node` = tfjs-node (libtensorflow), `onednn` = advlab's native
 * CPU backend (`@advlab/backend-onednn`: oneDNN + OpenMP, built at `npm ci` when `libdnnl-dev`
 * and a C++ compiler are installed), `wasm` = XNNPACK, `cpu` = pure JS.
 */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What to do to get the native CPU backend, for messages shown on the wasm and cpu backends. */
export const ONEDNN_HINT = 'for the native onednn backend (measured 2.6-10x faster than wasm on CPU), run `npm run setup` and `npm ci` (Debian: libdnnl-dev, g++, make)';

/** Environment variable that forces one backend: `gpu`, `node`, `onednn`, `wasm` or `cpu`. */
export const BACKEND_ENV = 'ADVLAB_BACKEND';

/** Options of {@link resolveBackend}. */
export interface ResolveBackendOptions {
  /** Use exactly this backend (fails if it cannot load). Default: `ADVLAB_BACKEND`, else the first that loads. */
  readonly prefer?: BackendName;
  /** Receives one line naming the backend in use. Default: `console.log`; pass `() => {}` to silence. */
  readonly log?: (line: string) => void;
}

/** What {@link resolveBackend} settled on. */
export interface ResolvedBackend {
  readonly name: BackendName;
  /** The tfjs backend name registered with the engine (`tensorflow`, `onednn`, `wasm`, `cpu`). */
  readonly tfjsName: string;
  /** Why earlier candidates were skipped, one line each. */
  readonly skipped: readonly string[];
}

const TFJS_NAME: Record<BackendName, string> = { gpu: 'tensorflow', node: 'tensorflow', onednn: 'onednn', wasm: 'wasm', cpu: 'cpu' };

let resolved: Promise<ResolvedBackend> | null = null;

/**
 * Picks the fastest TensorFlow.js backend that loads here and makes it the active one.
 *
 * Tries tfjs-node-gpu, then tfjs-node (both optional dependencies, loaded only if installed),
 * then advlab's native onednn backend (when its addon was built), then wasm, then the pure-JS
 * cpu backend. `ADVLAB_BACKEND` or `opts.prefer` forces one; a forced backend that cannot load
 * fails with the reason (for onednn: what to install).
 * Idempotent: later calls return the first call's result (and re-activate that backend if
 * someone switched away from it).
 */
export function resolveBackend(opts: ResolveBackendOptions = {}): Promise<ResolvedBackend> {
  if (resolved === null) {
    const attempt = doResolve(opts);
    resolved = attempt;
    attempt.catch(() => {
      if (resolved === attempt) resolved = null;
    });
    return attempt;
  }
  return resolved.then(async (r) => {
    if (tf.getBackend() !== r.tfjsName) await tf.setBackend(r.tfjsName);
    return r;
  });
}

/** Reads and checks `ADVLAB_BACKEND`; `undefined` when unset or empty. */
export function backendFromEnv(env: NodeJS.ProcessEnv = process.env): BackendName | undefined {
  const raw = env[BACKEND_ENV]?.trim().toLowerCase();
  if (!raw) return undefined;
  if (!(BACKEND_NAMES as readonly string[]).includes(raw)) {
    throw new Error(`${BACKEND_ENV}=${raw} is not a backend; use one of ${BACKEND_NAMES.join(', ')}`);
  }
  return raw as BackendName;
}

/**
 * Loads and activates one named backend, without the fallback chain. Useful to run the same
 * model on two backends in one process (e.g. checking that a checkpoint is portable).
 */
export async function useBackend(name: BackendName): Promise<void> {
  await load(name);
  const ok = await tf.setBackend(TFJS_NAME[name]);
  if (!ok) throw new Error(`backend ${name} registered but failed to initialise`);
  await tf.ready();
}

async function doResolve(opts: ResolveBackendOptions): Promise<ResolvedBackend> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const forced = opts.prefer ?? backendFromEnv();
  const candidates: readonly BackendName[] = forced ? [forced] : BACKEND_NAMES;
  const skipped: string[] = [];
  for (const name of candidates) {
    try {
      await useBackend(name);
      const result: ResolvedBackend = { name, tfjsName: TFJS_NAME[name], skipped };
      const hint = name === 'wasm' || name === 'cpu' ? `; ${ONEDNN_HINT}` : '';
      log(`[advlab/model] tensor backend: ${name}${forced ? ' (forced)' : ''}${skipped.length ? `; skipped ${skipped.join('; ')}` : ''}${hint}`);
      return result;
    } catch (err) {
      skipped.push(`${name}: ${firstLine(err)}`);
    }
  }
  if (forced) throw new Error(`${BACKEND_ENV}=${forced}: the backend cannot be used: ${skipped.join('; ').replace(`${forced}: `, '')}`);
  throw new Error(`no tensor backend could be loaded (${skipped.join('; ')})`);
}

async function load(name: BackendName): Promise<void> {
  switch (name) {
    case 'gpu':
      requireOptional('@tensorflow/tfjs-node-gpu');
      return;
    case 'node':
      requireOptional('@tensorflow/tfjs-node');
      return;
    case 'onednn': {
      // Not a static import: @advlab/backend-onednn builds on this library's kernel names.
      const onednn = requireOptional('@advlab/backend-onednn') as { registerOnednnBackend(): unknown };
      onednn.registerOnednnBackend();
      return;
    }
    case 'wasm':
      require('@tensorflow/tfjs-backend-wasm');
      return;
    case 'cpu':
      require('@tensorflow/tfjs-backend-cpu');
      return;
  }
}

function requireOptional(pkg: string): unknown {
  // The name is computed so that bundlers and type checkers do not insist on the package.
  const id = [pkg][0];
  return require(id);
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0];
}

/** The active backend as a {@link BackendName} (`tensorflow` reads as `node`). */
export function activeBackend(): BackendName {
  const name = tf.getBackend();
  if (name === 'onednn' || name === 'wasm' || name === 'cpu') return name;
  if (name === 'tensorflow') return 'node';
  throw new Error(`unsupported tensor backend ${name}`);
}

/**
 * One line naming the active backend and how it runs, for banners, `advlab info` and run
 * records: e.g. `onednn (oneDNN 2.6.3, 2 OpenMP threads)`, `wasm (single-threaded; for the
 * native onednn backend ...)`.
 */
export function describeBackend(): string {
  const name = activeBackend();
  if (name === 'onednn') {
    const onednn = requireOptional('@advlab/backend-onednn') as { onednnInfo(): { onednn: string; threads: number } | null };
    const info = onednn.onednnInfo();
    return info ? `onednn (oneDNN ${info.onednn}, ${info.threads} OpenMP thread${info.threads === 1 ? '' : 's'})` : 'onednn';
  }
  if (name === 'wasm' || name === 'cpu') return `${name} (${ONEDNN_HINT})`;
  return name;
}

/** Threads the active backend computes with (OpenMP threads on onednn; 1 elsewhere in this process). */
export function backendThreads(): number {
  if (activeBackend() !== 'onednn') return 1;
  const onednn = requireOptional('@advlab/backend-onednn') as { onednnInfo(): { threads: number } | null };
  return onednn.onednnInfo()?.threads ?? 1;
}

/**
 * The active backend and what its float results depend on: `onednn (oneDNN 2.6.3, 2 OpenMP
 * threads)` (its kernels split sums by thread, so the thread count changes the last bits),
 * `wasm`, `cpu`, `node` or `gpu`. Training is bit-for-bit reproducible between two processes
 * when this and the worker count agree (measured on onednn and wasm).
 */
export function backendSignature(): string {
  const name = activeBackend();
  return name === 'onednn' ? describeBackend() : name;
}

/** A resolved backend as servers report it: advlab's name, the tfjs name, and how it runs (or how to get a faster one). */
export function backendInfo(backend: ResolvedBackend): { name: string; tfjsName: string; note: string } {
  return { name: backend.name, tfjsName: backend.tfjsName, note: describeBackend() };
}
