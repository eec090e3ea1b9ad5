import * as tf from '@tensorflow/tfjs-core';
import { backendFromEnv, resolveBackend, useBackend } from './backend';

describe('backend resolution', () => {
  it('reads ADVLAB_BACKEND and rejects unknown names with the accepted list', () => {
    expect(backendFromEnv({})).toBeUndefined();
    expect(backendFromEnv({ ADVLAB_BACKEND: ' WASM ' })).toBe('wasm');
    expect(() => backendFromEnv({ ADVLAB_BACKEND: 'metal' })).toThrow(/gpu, node, onednn, wasm, cpu/);
  });

  it('falls back past the uninstalled native backends, logs its choice once, and is idempotent', async () => {
    const lines: string[] = [];
    const first = await resolveBackend({ log: (l) => lines.push(l) });
    expect(['gpu', 'node', 'onednn', 'wasm', 'cpu']).toContain(first.name);
    expect(tf.getBackend()).toBe(first.tfjsName);
    await useBackend('cpu');
    const again = await resolveBackend({ log: (l) => lines.push(l) });
    expect(again).toBe(first);
    expect(tf.getBackend()).toBe(first.tfjsName);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`tensor backend: ${first.name}`);
    // On the fallbacks the line says how to get the native backend.
    if (first.name === 'wasm' || first.name === 'cpu') expect(lines[0]).toContain('npm run setup');
  });

  it('a forced backend that cannot load fails with the reason, naming the variable', async () => {
    // A fresh copy of the module: resolution happens once per process.
    await jest.isolateModulesAsync(async () => {
      const fresh = (await import('./backend')) as typeof import('./backend');
      await expect(fresh.resolveBackend({ prefer: 'gpu', log: () => undefined })).rejects.toThrow(/^ADVLAB_BACKEND=gpu: the backend cannot be used: .*tfjs-node-gpu/);
    });
  });
});
