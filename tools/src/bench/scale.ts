/**
 * Scale-out benchmark: the wall time of the same 4-trial sweep on the bundled data with one
 * and with two trainer workers (each one OpenMP thread, so two workers use this machine's two
 * cores), behind one api process, over a throwaway PostgreSQL cluster. From submitting the
 * sweep to its ranked end, through the api, as a user sees it.
 *
 * - `sweep4_1_worker_s`, `sweep4_2_workers_s`: seconds, the median of `repetitions` sweeps
 *   (default 1: each is tens of seconds);
 * - `speedup_2_workers`: the first over the second (2.0 would be perfect scaling).
 *
 * Skipped (with a line saying why) where PostgreSQL is not installed.
 */
import { SweepRequest, TrainerServiceClient, type RunEvent } from '@advlab/contract';
import { postgresAvailable, startPostgres } from '@advlab/registry/testing';
import { startTrainerProcess, type TrainerProcess } from '@advlab/trainer-service/testing';
import * as grpc from '@grpc/grpc-js';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { BenchOptions, spread } from './common';

/** The sweep: 2 depths x 2 learning rates, 2 epochs on 2000 training images each. */
export const SCALE_SWEEP = SweepRequest.fromPartial({
  datasetId: 'fashion-mnist-mini',
  name: 'scale benchmark',
  model: { featureMaps: [16, 32] },
  training: { epochs: 2, batchSize: 32, maxTrainImages: 2000, seed: 3 },
  sweep: {
    axes: [
      { path: 'model.feature_maps', values: ['[16,32]', '[32,64]'] },
      { path: 'training.learning_rate', values: ['0.001', '0.002'] },
    ],
  },
});

/** Seconds from submitting the sweep through the api to its last event. */
async function sweepSeconds(address: string): Promise<number> {
  const client = new TrainerServiceClient(address, grpc.credentials.createInsecure());
  try {
    const started = performance.now();
    const call = client.sweep(SCALE_SWEEP);
    let last: RunEvent | undefined;
    await new Promise<void>((resolve, reject) => {
      call.on('data', (m: { event?: RunEvent }) => (last = m.event ?? last));
      call.on('error', reject);
      call.on('end', resolve);
    });
    const seconds = (performance.now() - started) / 1000;
    if (last?.event?.$case !== 'finished') throw new Error(`the benchmark sweep ended with ${last?.event?.$case ?? 'nothing'}`);
    return seconds;
  } finally {
    client.close();
  }
}

/** Runs the scale benchmark; prints a readable report unless `json` is set. */
export async function benchScale(opts: BenchOptions): Promise<Record<string, unknown>> {
  const log = (msg: string): void => {
    if (!opts.json) console.log(msg);
  };
  if (!postgresAvailable()) {
    log('scale: skipped, PostgreSQL is not installed (npm run setup installs it)');
    return {};
  }
  const repetitions = opts.repetitions ?? 1;
  const pg = await startPostgres();
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'advlab-bench-scale-'));
  const seconds: Record<number, number[]> = { 1: [], 2: [] };
  try {
    for (const count of [1, 2]) {
      for (let r = 0; r < repetitions; r++) {
        const url = await pg.createDatabase();
        const env = (role: string, name: string) => ({
          ADVLAB_ROLE: role,
          ADVLAB_DATABASE_URL: url,
          ADVLAB_DATA_DIR: path.join(dir, `${count}-${r}-${name}`),
          ADVLAB_THREADS: '1',
          ADVLAB_TOKEN: '',
        });
        const processes: TrainerProcess[] = [];
        try {
          processes.push(await startTrainerProcess(env('api', 'api')));
          for (let w = 0; w < count; w++) processes.push(await startTrainerProcess(env('worker', `worker-${w}`)));
          const s = await sweepSeconds(processes[0].address);
          seconds[count].push(s);
          log(`scale: 4-trial sweep with ${count} worker${count === 1 ? '' : 's'}: ${s.toFixed(1)} s`);
        } finally {
          await Promise.all(processes.map((p) => p.stop()));
        }
      }
    }
  } finally {
    await pg.stop();
    await fs.rm(dir, { recursive: true, force: true });
  }
  const one = spread(seconds[1]).median;
  const two = spread(seconds[2]).median;
  const speedup = Number((one / two).toFixed(2));
  log(`scale: two workers finish the sweep ${speedup}x as fast as one (${one.toFixed(1)} s vs ${two.toFixed(1)} s; 2x is perfect scaling)`);
  return { scale: { sweep4_1_worker_s: Number(one.toFixed(1)), sweep4_2_workers_s: Number(two.toFixed(1)), speedup_2_workers: speedup } };
}
