import { status } from '@grpc/grpc-js';
import { WorkPool } from './work-pool';

const tick = () => new Promise((r) => setImmediate(r));

describe('WorkPool', () => {
  it('runs at most `concurrency` jobs, queues up to `maxWaiting` in order, refuses the rest saying how many are ahead', async () => {
    const pool = new WorkPool({ concurrency: 2, maxWaiting: 2, what: 'evaluation' });
    const order: number[] = [];
    const gates = Array.from({ length: 4 }, () => {
      let open!: () => void;
      const gate = new Promise<void>((r) => (open = r));
      return { gate, open };
    });
    const jobs = gates.map((g, i) => pool.run(async () => {
      order.push(i);
      await g.gate;
      return i;
    }));
    await tick();
    expect(order).toEqual([0, 1]);
    expect([pool.active, pool.queued]).toEqual([2, 2]);
    await expect(pool.run(async () => 99)).rejects.toMatchObject({
      code: status.RESOURCE_EXHAUSTED,
      message: 'too busy: 2 evaluations running and 2 waiting (at most 2 run and 2 wait); try again shortly',
    });
    gates[1].open();
    await jobs[1];
    await tick();
    expect(order).toEqual([0, 1, 2]);
    gates.forEach((g) => g.open());
    expect(await Promise.all(jobs)).toEqual([0, 1, 2, 3]);
    expect([pool.active, pool.queued]).toEqual([0, 0]);
  });

  it('lets a waiting caller that gives up leave the queue, and frees the slot of a job that throws', async () => {
    const pool = new WorkPool({ concurrency: 1, maxWaiting: 1, what: 'attack' });
    let open!: () => void;
    const first = pool.run(() => new Promise<void>((r) => (open = r)));
    const controller = new AbortController();
    const waiting = pool.acquire(controller.signal);
    await tick();
    expect(pool.queued).toBe(1);
    controller.abort(new Error('client left'));
    await expect(waiting).rejects.toThrow('client left');
    expect(pool.queued).toBe(0);
    open();
    await first;
    await expect(pool.run(async () => { throw new Error('job failed'); })).rejects.toThrow('job failed');
    expect(pool.active).toBe(0);
    expect(await pool.run(async () => 'next')).toBe('next');
  });

  it('with no queue, refuses as soon as every slot is taken', async () => {
    const pool = new WorkPool({ concurrency: 1, maxWaiting: 0, what: 'live attack' });
    const release = await pool.acquire();
    await expect(pool.acquire()).rejects.toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    release();
    release();
    expect(pool.active).toBe(0);
  });
});
