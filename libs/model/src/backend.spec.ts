import * as tf from '@tensorflow/tfjs-core';
import { backendFromEnv, resolveBackend, useBackend } from './backend';

describe('backend resolution', () => {
  it('reads ADVLAB_BACKEND and rejects unknown names with the accepted list', () => {
    expect(backendFromEnv({})).toBeUndefined();
    expect(backendFromEnv({ ADVLAB_BACKEND: ' WASM ' })).toBe('wasm');
    expect(() => backendFromEnv({ ADVLAB_BACKEND: 'metal' })).toThrow(/gpu, node, wasm, cpu/);
  });

  it('falls back past the uninstalled native backends, logs its choice once, and is idempotent', async () => {
    const lines: string[] = [];
    const first = await resolveBackend({ log: (l) => lines.push(l) });
    expect(['gpu', 'node', 'wasm', 'cpu']).toContain(first.name);
    expect(tf.getBackend()).toBe(first.tfjsName);
    await useBackend('cpu');
    const again = await resolveBackend({ log: (l) => lines.push(l) });
    expect(again).toBe(first);
    expect(tf.getBackend()).toBe(first.tfjsName);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`tensor backend: ${first.name}`);
  });
});
