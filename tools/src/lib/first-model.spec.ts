import { TrainRequest } from '@advlab/contract';
import { startTrainerServer, type TrainerServer } from '@advlab/trainer-service';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ensureFirstModel, FIRST_MODEL_REQUEST } from './first-model';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

describe('ensureFirstModel', () => {
  let dir: string;
  let server: TrainerServer;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-first-'));
    server = await startTrainerServer({ dataDir: dir, port: 0, logger: quiet });
  });
  afterAll(async () => {
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('trains on the bundled data when the registry has no model, then skips', async () => {
    const lines: string[] = [];
    // The real first model, made quicker: same dataset and architecture family, one epoch.
    const quick = TrainRequest.fromPartial({ ...FIRST_MODEL_REQUEST, model: { featureMaps: [4, 8] }, training: { epochs: 1, batchSize: 64, seed: 1 } });
    const first = await ensureFirstModel(server.address, (l) => lines.push(l), quick);
    expect(first.skipped).toBeUndefined();
    expect(first.runId).toMatch(/^run-/);
    const end = await first.done;
    expect(end?.event?.$case).toBe('finished');
    expect(lines.some((l) => l.startsWith('epoch 1/1: loss'))).toBe(true);
    expect(lines[lines.length - 1]).toMatch(/^first model ready: mdl-/);
    const again = await ensureFirstModel(server.address, () => undefined, quick);
    expect(again.skipped).toMatch(/a model exists already \(mdl-/);
  }, 180_000);

  it('asks for the bundled dataset with a small net', () => {
    expect(FIRST_MODEL_REQUEST.datasetId).toBe('fashion-mnist-mini');
    expect(FIRST_MODEL_REQUEST.training?.epochs).toBeGreaterThanOrEqual(1);
  });
});
