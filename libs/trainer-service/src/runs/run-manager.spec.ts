import { Run, RunKind, RunStatus, type RunEvent } from '@advlab/contract';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { newId, openSqlite, type SqliteDatabase } from '@advlab/registry';
import { RunManager, type JobBody } from './run-manager';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

function newRun(name = 'r'): Run {
  return Run.fromPartial({ id: newId('run'), name, kind: RunKind.RUN_KIND_TRAIN, datasetId: 'ds-1' });
}

/** A job of `epochs` epochs that waits for `gate()` before each epoch. */
function epochsJob(epochs: number, gate: () => Promise<void> = async () => undefined): JobBody {
  return async (ctx) => {
    for (let e = 1; e <= epochs; e++) {
      await gate();
      if (ctx.signal.aborted) return {};
      ctx.emit({ $case: 'batch', value: { epoch: e, batch: 1, batchesPerEpoch: 1, loss: 1, accuracy: 0.5, imagesPerSecond: 10 } });
      ctx.emit({
        $case: 'epoch',
        value: { epoch: e, trainLoss: 1 / e, trainAccuracy: 0.5, valLoss: 1, valAccuracy: 0.1 * e, learningRate: 0.001, seconds: 1, imagesPerSecond: 10 },
      });
    }
    ctx.update({ bestValAccuracy: 0.1 * epochs });
    return {};
  };
}

async function collect(it: AsyncIterable<RunEvent>): Promise<RunEvent[]> {
  const out: RunEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
}

describe('RunManager', () => {
  let dir: string;
  let db: SqliteDatabase;
  let repo: SqliteDatabase['runs'];

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-runs-'));
    db = openSqlite(path.join(dir, 'advlab.db'));
    repo = db.runs;
  });
  afterEach(async () => {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job to SUCCEEDED and stores its events without gaps', async () => {
    const manager = new RunManager(repo, { logger: quiet });
    const run = await manager.submit(newRun(), epochsJob(3));
    await manager.whenIdle();
    const stored = await manager.get(run.id);
    expect(stored.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    expect(stored.history.map((h) => h.epoch)).toEqual([1, 2, 3]);
    expect(stored.bestValAccuracy).toBeCloseTo(0.3);
    expect(stored.startedAt).toBeInstanceOf(Date);
    expect(stored.finishedAt).toBeInstanceOf(Date);
    const events = await repo.eventsAfter(run.id, 0);
    expect(events.map((e) => e.sequence)).toEqual(events.map((_, i) => i + 1));
    expect(events.map((e) => e.event?.$case)).toEqual(['created', 'status', 'status', 'epoch', 'epoch', 'epoch', 'finished']);
    const finished = events[events.length - 1].event;
    expect(finished?.$case === 'finished' && finished.value.run?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
  });

  it('runs one job at a time by default; the rest queue in order', async () => {
    const manager = new RunManager(repo, { logger: quiet });
    const order: string[] = [];
    const job = (name: string): JobBody => async () => {
      order.push(`start ${name}`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`end ${name}`);
      return {};
    };
    const a = await manager.submit(newRun('a'), job('a'));
    const b = await manager.submit(newRun('b'), job('b'));
    expect((await manager.get(b.id)).status).toBe(RunStatus.RUN_STATUS_QUEUED);
    await manager.whenIdle();
    expect(order).toEqual(['start a', 'end a', 'start b', 'end b']);
    expect((await manager.get(a.id)).status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
  });

  it('runs `concurrency` jobs at once when configured', async () => {
    const manager = new RunManager(repo, { logger: quiet, concurrency: 2 });
    let concurrent = 0;
    let peak = 0;
    const job: JobBody = async () => {
      peak = Math.max(peak, ++concurrent);
      await new Promise((r) => setTimeout(r, 30));
      concurrent--;
      return {};
    };
    for (let i = 0; i < 4; i++) await manager.submit(newRun(), job);
    await manager.whenIdle();
    expect(peak).toBe(2);
  });

  it('fails a run whose job throws, with the message, and keeps going', async () => {
    const manager = new RunManager(repo, { logger: quiet });
    const bad = await manager.submit(newRun(), async () => {
      throw new Error('dataset vanished');
    });
    const good = await manager.submit(newRun(), epochsJob(1));
    await manager.whenIdle();
    expect(await manager.get(bad.id)).toMatchObject({ status: RunStatus.RUN_STATUS_FAILED, error: 'dataset vanished' });
    expect((await manager.get(good.id)).status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
  });

  it('cancels a running job at its next step and a queued one at once', async () => {
    const manager = new RunManager(repo, { logger: quiet });
    let release!: () => void;
    const gate = () => new Promise<void>((r) => (release = r));
    const running = await manager.submit(newRun(), epochsJob(5, gate));
    const queued = await manager.submit(newRun(), epochsJob(1));
    await new Promise((r) => setTimeout(r, 10));
    expect((await manager.cancel(queued.id)).status).toBe(RunStatus.RUN_STATUS_CANCELLED);
    release();
    await new Promise((r) => setTimeout(r, 10));
    await manager.cancel(running.id);
    release();
    await manager.whenIdle();
    const stored = await manager.get(running.id);
    expect(stored.status).toBe(RunStatus.RUN_STATUS_CANCELLED);
    expect(stored.history).toHaveLength(1);
    const last = (await repo.eventsAfter(running.id, 0)).pop();
    expect(last?.event).toEqual({ $case: 'cancelled', value: { epochsCompleted: 1 } });
    await expect(manager.cancel(running.id)).rejects.toThrow(expect.objectContaining({ code: 9 })); // FAILED_PRECONDITION
    await expect(manager.cancel('run-nope')).rejects.toThrow(expect.objectContaining({ code: 5 })); // NOT_FOUND
  });

  it('lets a watcher join mid-run: replay, then live events, then the end', async () => {
    const manager = new RunManager(repo, { logger: quiet, batchEventIntervalMs: 0 });
    const gates: (() => void)[] = [];
    const run = await manager.submit(newRun(), epochsJob(3, () => new Promise<void>((r) => gates.push(r))));
    await new Promise((r) => setTimeout(r, 10));
    gates.shift()?.();
    await new Promise((r) => setTimeout(r, 10));
    const watching = collect(manager.watch(run.id, 0, new AbortController().signal));
    for (let i = 0; i < 2; i++) {
      await new Promise((r) => setTimeout(r, 10));
      gates.shift()?.();
    }
    const events = await watching;
    const stored = events.filter((e) => e.sequence > 0);
    expect(stored.map((e) => e.sequence)).toEqual(stored.map((_, i) => i + 1));
    expect(stored.filter((e) => e.event?.$case === 'epoch')).toHaveLength(3);
    expect(events[events.length - 1].event?.$case).toBe('finished');
    // Batch progress arrives live (sequence 0) for the epochs after the watcher joined.
    expect(events.filter((e) => e.event?.$case === 'batch').length).toBeGreaterThanOrEqual(1);
    // Watching a finished run replays and ends; resuming after a sequence skips what was seen.
    const replay = await collect(manager.watch(run.id, 3, new AbortController().signal));
    expect(replay[0].sequence).toBe(4);
    expect(replay[replay.length - 1].event?.$case).toBe('finished');
  });

  it('marks runs left running or queued by a dead service INTERRUPTED on recovery', async () => {
    const first = new RunManager(repo, { logger: quiet });
    const never = () => new Promise<void>(() => undefined);
    const a = await first.submit(newRun(), epochsJob(2, never));
    const b = await first.submit(newRun(), epochsJob(2, never));
    await new Promise((r) => setTimeout(r, 10));
    // The process "dies" here: a new manager over the same database recovers.
    const second = new RunManager(db.runs, { logger: quiet });
    expect(await second.recoverInterrupted()).toEqual({ interrupted: 2, resumed: 0 });
    for (const id of [a.id, b.id]) {
      const run = await second.get(id);
      expect(run.status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
      expect((await repo.eventsAfter(id, 0)).pop()?.event?.$case).toBe('interrupted');
    }
    expect(await second.recoverInterrupted()).toEqual({ interrupted: 0, resumed: 0 });
  });

  it('shutdown interrupts the running job and the queue', async () => {
    const manager = new RunManager(repo, { logger: quiet });
    const a = await manager.submit(newRun(), epochsJob(100, () => new Promise((r) => setTimeout(r, 5))));
    const b = await manager.submit(newRun(), epochsJob(1));
    await new Promise((r) => setTimeout(r, 30));
    await manager.shutdown();
    expect((await manager.get(a.id)).status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
    expect((await manager.get(b.id)).status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
    await expect(manager.submit(newRun(), epochsJob(1))).rejects.toThrow(/shutting down/);
  });

  it('leaves a resumable run unfinished on shutdown and queues it again on recovery, log kept', async () => {
    const first = new RunManager(repo, { logger: quiet });
    const run = await first.submit(newRun(), epochsJob(100, () => new Promise((r) => setTimeout(r, 5))), { resumable: true });
    const other = await first.submit(newRun(), epochsJob(1));
    await new Promise((r) => setTimeout(r, 30));
    await first.shutdown();
    expect((await first.get(run.id)).status).toBe(RunStatus.RUN_STATUS_RUNNING);
    expect((await first.get(other.id)).status).toBe(RunStatus.RUN_STATUS_INTERRUPTED);
    const before = await repo.lastSequence(run.id);

    const second = new RunManager(db.runs, { logger: quiet });
    expect(await second.recoverInterrupted((r) => (r.id === run.id ? epochsJob(1) : undefined))).toEqual({ interrupted: 0, resumed: 1 });
    const events = await collect(second.watch(run.id, before, new AbortController().signal));
    expect(events[0].sequence).toBe(before + 1);
    expect(events.map((e) => e.event?.$case)).toEqual(expect.arrayContaining(['status', 'epoch', 'finished']));
    expect((await second.get(run.id)).status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
  });
});
