import { Supervisor } from './supervisor';

const node = process.execPath;

describe('Supervisor', () => {
  it('waits for a ready line, then stops every service with SIGTERM', async () => {
    const supervisor = new Supervisor({ graceMs: 5_000 });
    const script = `console.log('listening on 127.0.0.1:' + 4242); process.on('SIGTERM', () => { console.log('bye'); process.exit(0); }); setInterval(() => {}, 1000);`;
    const a = await supervisor.start({ name: 'a', command: node, args: ['-e', script], ready: /listening on (\S+)/ });
    expect(a.match?.[1]).toBe('127.0.0.1:4242');
    let polls = 0;
    // A probe (like the dashboard's HTTP check) that succeeds on its third poll, 0.5 s apart.
    const b = await supervisor.start({ name: 'b', command: node, args: ['-e', script], ready: async () => ++polls >= 3 });
    expect(polls).toBe(3);
    await supervisor.stopAll();
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
  });

  it('rejects when a service exits before it is ready', async () => {
    const supervisor = new Supervisor();
    await expect(supervisor.start({ name: 'bad', command: node, args: ['-e', 'process.exit(3)'], ready: /never/ })).rejects.toThrow('bad exited (3) before it was ready');
  });

  it('rejects a service that is not ready in time, and kills one that ignores SIGTERM', async () => {
    const supervisor = new Supervisor({ graceMs: 500 });
    const stubborn = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;
    await expect(supervisor.start({ name: 'slow', command: node, args: ['-e', stubborn], ready: /never/, readyTimeoutMs: 500 })).rejects.toThrow(
      'slow was not ready after 0.5 s',
    );
    await supervisor.stopAll();
  });

  it('restarts a service that exits on its own, on the environment restartEnv gives, and reports each state', async () => {
    const states: string[] = [];
    const supervisor = new Supervisor({ restart: { initialDelayMs: 100 }, log: () => undefined, onChange: (all) => states.push(all[0].state) });
    // Exits 0.3 s after its first start; the restarted process (PORT set) stays up.
    const script = `console.log('up on ' + (process.env.PORT || 'first')); if (!process.env.PORT) setTimeout(() => process.exit(9), 300); setInterval(() => {}, 1000);`;
    const service = await supervisor.start({ name: 'flaky', command: node, args: ['-e', script], ready: /up on (\S+)/, restartEnv: () => ({ PORT: 'again' }) });
    const firstPid = service.child.pid;
    expect(await service.exited).toBe(9);
    await waitFor(() => supervisor.statuses()[0].state === 'running' && service.child.pid !== firstPid);
    expect(supervisor.statuses()[0]).toMatchObject({ state: 'running', restarts: 1, lastExit: { code: 9 } });
    expect(states).toEqual(['starting', 'running', 'restarting', 'starting', 'running']);
    await supervisor.stopAll();
    expect(supervisor.statuses()[0].state).toBe('stopped');
  });

  it('gives up on a service that keeps crashing within the window, and says so', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({ restart: { initialDelayMs: 20, maxCrashes: 3, windowMs: 60_000 }, log: (line) => lines.push(line) });
    const script = `console.log('up'); setTimeout(() => process.exit(4), 50);`;
    await supervisor.start({ name: 'doomed', command: node, args: ['-e', script], ready: /up/ });
    await supervisor.whenAllFailed();
    expect(supervisor.statuses()[0]).toMatchObject({ state: 'failed', restarts: 2, lastExit: { code: 4 } });
    expect(lines.filter((l) => l.includes('restarting in'))).toHaveLength(2);
    expect(lines[lines.length - 1]).toMatch(/doomed exited 3 times within 60 s \(last: 4\); not restarting it/);
  });

  it('doubles the wait between restarts of a service that crashes again at once', async () => {
    const lines: string[] = [];
    const supervisor = new Supervisor({ restart: { initialDelayMs: 100, maxCrashes: 4 }, log: (line) => lines.push(line) });
    await supervisor.start({ name: 'c', command: node, args: ['-e', `console.log('up'); process.exit(1)`], ready: /up/ });
    await supervisor.whenAllFailed();
    const waits = lines.filter((l) => l.includes('restarting in')).map((l) => Number(/restarting in ([\d.]+) s/.exec(l)?.[1]));
    expect(waits).toEqual([0.1, 0.2, 0.4]);
  });

  it('does not restart a service whose restart was pending when everything stops', async () => {
    const supervisor = new Supervisor({ restart: { initialDelayMs: 500 }, log: () => undefined });
    const service = await supervisor.start({ name: 'short', command: node, args: ['-e', `console.log('up'); setTimeout(() => process.exit(7), 100)`], ready: /up/ });
    await service.exited;
    await waitFor(() => supervisor.statuses()[0].state === 'restarting');
    await supervisor.stopAll();
    await new Promise((r) => setTimeout(r, 800));
    expect(supervisor.statuses()[0].state).toBe('stopped');
    expect(service.child.exitCode).toBe(7);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}
