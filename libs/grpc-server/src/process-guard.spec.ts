import { spawn } from 'node:child_process';
import * as path from 'node:path';

/**
 * The guard is tested in a real Node process (jest installs process handlers of its own):
 * the WebAssembly backend is loaded first, as the services do, so its Emscripten handlers that
 * rethrow are in place when the guard takes over.
 */
const guard = path.join(__dirname, 'process-guard.ts');

function runScript(body: string): Promise<{ code: number | null; output: string }> {
  const script = `
    const tf = require('@tensorflow/tfjs-core');
    require('@tensorflow/tfjs-backend-wasm');
    const { installProcessGuard, processIncidents } = require(${JSON.stringify(guard)});
    (async () => {
      await tf.setBackend('wasm');
      await tf.ready();
      ${body}
    })();
  `;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (c) => (output += c));
    child.stderr.on('data', (c) => (output += c));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('process guard (in a real process with the wasm backend loaded)', () => {
  it('without it, an unhandled rejection ends the process (the failure it exists for)', async () => {
    const { code, output } = await runScript(`
      Promise.reject(new Error('nobody waits for me'));
      setTimeout(() => console.log('still alive'), 300);
    `);
    expect(code).not.toBe(0);
    expect(output).toContain('nobody waits for me');
    expect(output).not.toContain('still alive');
  }, 60_000);

  it('logs an unhandled rejection with an incident id and a stack, counts it, and the process goes on', async () => {
    const { code, output } = await runScript(`
      installProcessGuard({ label: 'test' });
      Promise.reject(new Error('nobody waits for me'));
      Promise.reject('a plain string');
      setTimeout(() => {
        const i = processIncidents();
        console.log('still alive: ' + i.unhandledRejections + ' ' + i.last.kind + ' ' + i.last.id);
        process.exit(0);
      }, 300);
    `);
    expect(code).toBe(0);
    const ids = [...output.matchAll(/test: incident (inc-[0-9a-f]{8}): unhandled promise rejection \(the service goes on\)/g)].map((m) => m[1]);
    expect(ids).toHaveLength(2);
    expect(output).toMatch(/Error: nobody waits for me\n\s+at /);
    expect(output).toContain(`still alive: 2 unhandled-rejection ${ids[1]}`);
  }, 60_000);

  it('takes off a rethrowing handler registered after it, and still exits on an uncaught exception', async () => {
    const { code, output } = await runScript(`
      installProcessGuard({ label: 'test' });
      process.on('unhandledRejection', (reason) => { throw reason; });
      setTimeout(() => Promise.reject(new Error('late rejection')), 50);
      setTimeout(() => { throw new Error('corrupt state'); }, 300);
    `);
    expect(output).toContain("removed a process 'unhandledRejection' handler registered by a library");
    expect(output).toMatch(/incident inc-[0-9a-f]{8}: unhandled promise rejection \(the service goes on\): Error: late rejection/);
    expect(output).toMatch(/incident inc-[0-9a-f]{8}: uncaught exception, exiting with code 70: Error: corrupt state/);
    expect(code).toBe(70);
  }, 60_000);
});
