import { Supervisor } from './supervisor';

const node = process.execPath;

describe('Supervisor', () => {
  it('waits for a ready line, then stops every service with SIGTERM', async () => {
    const supervisor = new Supervisor(5_000);
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
    const supervisor = new Supervisor(500);
    const stubborn = `process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);`;
    await expect(supervisor.start({ name: 'slow', command: node, args: ['-e', stubborn], ready: /never/, readyTimeoutMs: 500 })).rejects.toThrow(
      'slow was not ready after 0.5 s',
    );
    await supervisor.stopAll();
  });

  it('reports the first service that exits on its own', async () => {
    const supervisor = new Supervisor();
    await supervisor.start({ name: 'short', command: node, args: ['-e', `console.log('up'); setTimeout(() => process.exit(7), 200)`], ready: /up/ });
    await expect(supervisor.firstExit()).resolves.toEqual({ name: 'short', code: 7 });
  });
});
