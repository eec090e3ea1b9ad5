/**
 * The `quick` study on the bundled Fashion-MNIST subset through a real server and client,
 * stopped in its middle stage and resumed by a new server on the same data directory: the
 * finished stages are kept, the study completes, its report has every section and its
 * submission one row per test image.
 */
import * as grpc from '@grpc/grpc-js';
import {
  promiseClient,
  RunKind,
  RunStatus,
  StudyPreset,
  StudyRequest,
  StudyStageKind,
  TrainerServiceClient,
  type PromiseClient,
  type RunEvent,
  type StudyResponse,
} from '@advlab/contract';
import { encodePng, loadBundledDataset } from '@advlab/data';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { STUDY_REPORT_SECTIONS } from './report/study-report';
import { startTrainerServer, type TrainerServer } from './server';
import { readAll } from './testing';

const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const TEST_IMAGES = 25;

describe('a quick study on the bundled data, stopped mid-study and resumed', () => {
  let dir: string;
  let dataDir: string;
  let folder: string;
  let server: TrainerServer;
  let client: TrainerServiceClient;
  let api: PromiseClient<TrainerServiceClient>;

  const connect = async () => {
    server = await startTrainerServer({ dataDir, port: 0, logger: quiet, files: { importRoots: [dir] } });
    client = new TrainerServiceClient(server.address, grpc.credentials.createInsecure());
    api = promiseClient(client);
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'advlab-study-'));
    dataDir = path.join(dir, 'data');
    folder = path.join(dir, 'leaderboard');
    fs.mkdirSync(folder);
    const { test } = await loadBundledDataset();
    const per = 28 * 28 * 3;
    for (let i = 0; i < TEST_IMAGES; i++) fs.writeFileSync(path.join(folder, `img_${String(i).padStart(3, '0')}.png`), await encodePng(test.pixels.subarray(i * per, (i + 1) * per), 28, 28));
    await connect();
  }, 60_000);
  afterAll(async () => {
    client.close();
    await server.shutdown();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs every stage, keeping the finished ones across a restart', async () => {
    const started = Date.now();
    const stream = client.study(StudyRequest.fromPartial({ datasetId: 'fashion-mnist-mini', study: { preset: StudyPreset.STUDY_PRESET_QUICK, testFolder: folder }, name: 'quick study' }));
    const seen: RunEvent[] = [];
    // Stop the trainer once the middle stage (the attack) has begun.
    await new Promise<void>((resolve, reject) => {
      stream.on('data', (m: StudyResponse) => {
        if (m.event) seen.push(m.event);
        const e = m.event?.event;
        if (e?.$case === 'stageStarted' && e.value.kind === StudyStageKind.STUDY_STAGE_KIND_ATTACK) resolve();
      });
      stream.on('error', (err: grpc.ServiceError) => (err.code === grpc.status.CANCELLED || err.code === grpc.status.UNAVAILABLE ? undefined : reject(err)));
      stream.on('end', () => reject(new Error('the study ended before its attack stage')));
    });
    const studyId = seen[0].runId;
    const before = await api.getStudy({ runId: studyId });
    expect(before.stages.map((s) => s.kind)).toEqual([StudyStageKind.STUDY_STAGE_KIND_TUNING, StudyStageKind.STUDY_STAGE_KIND_VARIANTS]);
    expect(before.current).toBe(StudyStageKind.STUDY_STAGE_KIND_ATTACK);
    const childrenBefore = (await api.listRuns({ pageSize: 500, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true })).runs.filter((r) => r.parentRunId === studyId);
    stream.cancel();
    client.close();
    await server.shutdown();
    expect(server.registry).toBeDefined();

    // A new trainer on the same data: the study is queued again, not interrupted.
    await connect();
    const watched = await readAll(client.watchRun({ runId: studyId, afterSequence: 0 }));
    const events = watched.map((w) => w.event as RunEvent);
    const last = events[events.length - 1].event;
    expect(last?.$case).toBe('finished');
    const starts = events.flatMap((e) => (e.event?.$case === 'stageStarted' ? [e.event.value] : []));
    // Tuning and variants began once; the attack twice (cut short, then resumed); the rest once.
    expect(starts.map((s) => s.kind)).toEqual([1, 2, 3, 3, 4, 5]);
    expect(starts[3].resumed).toBe(true);
    expect(events.filter((e) => e.event?.$case === 'stage')).toHaveLength(5);

    const study = await api.getStudy({ runId: studyId });
    expect(study.run?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);
    expect(study.run?.kind).toBe(RunKind.RUN_KIND_STUDY);
    expect(study.stages.map((s) => s.kind)).toEqual([1, 2, 3, 4, 5]);
    // The finished stages' results are the ones recorded before the stop.
    expect(study.stages[0]).toEqual(before.stages[0]);
    expect(study.stages[1]).toEqual(before.stages[1]);
    const children = (await api.listRuns({ pageSize: 500, pageToken: '', status: 0, kind: 0, datasetId: '', includeTrials: true })).runs.filter((r) => r.parentRunId === studyId);
    // Only the adversarial training is new: no tuning or variant was trained again.
    expect(children.length).toBe(childrenBefore.length + 1);
    expect(children.find((r) => r.kind === RunKind.RUN_KIND_ADVERSARIAL_TRAIN)?.status).toBe(RunStatus.RUN_STATUS_SUCCEEDED);

    const [tuning, variants, attack, adversarial, submission] = study.stages;
    expect(tuning.tuning?.trials).toHaveLength(2);
    expect(variants.variants?.variants.map((v) => v.name)).toEqual(['plain', 'mixup', 'cutmix', 'ova']);
    expect(variants.variants?.variants.every((v) => v.test?.numImages === 1000)).toBe(true);
    expect(attack.attack?.pgd?.gallery).toHaveLength(20);
    expect(attack.attack?.pgd?.result?.sanity).toMatchObject({ withinBudget: true, eps0MatchesClean: true });
    expect(attack.attack?.pgd?.curve.length).toBe(3);
    expect(attack.attack?.test?.robust.map((r) => r.attack?.method)).toEqual([1, 2]);
    expect(adversarial.adversarial?.history[0].robustValAccuracy).toBeDefined();
    expect(adversarial.adversarial?.test?.robust).toHaveLength(2);
    const csv = submission.submission?.csv.trim().split('\n') ?? [];
    expect(csv[0]).toBe('id,label');
    expect(csv).toHaveLength(TEST_IMAGES + 1);
    expect(csv[1]).toMatch(/^img_000\.png,/);

    const report = await api.exportStudyReport({ runId: studyId });
    for (const id of STUDY_REPORT_SECTIONS) expect(report.html).toContain(`<section id="${id}">`);
    expect(report.html).not.toContain('class="pending"');
    expect(report.html.match(/<img /g)).toHaveLength(60);
    expect(report.html).not.toMatch(/(src|href)="https?:/);
    expect(report.fileName).toBe(`study-${studyId}.html`);
    const artefacts = path.resolve(__dirname, '../test-artifacts');
    fs.mkdirSync(artefacts, { recursive: true });
    fs.writeFileSync(path.join(artefacts, 'quick-study-report.html'), report.html);
    fs.writeFileSync(path.join(artefacts, 'quick-study-seconds.txt'), `${((Date.now() - started) / 1000).toFixed(0)}\n`);
  }, 900_000);

  it('refuses a study with a bad grid or an unknown dataset before running anything', async () => {
    const bad = StudyRequest.fromPartial({ datasetId: 'fashion-mnist-mini', study: { preset: StudyPreset.STUDY_PRESET_QUICK, grid: [{ path: 'model.feature_maps', values: ['[8,16,32,64,128,256]'] }] } });
    await expect(readAll(client.study(bad))).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT });
    await expect(readAll(client.study(StudyRequest.fromPartial({ datasetId: 'nope' })))).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
    await expect(api.getStudy({ runId: 'run-nope' })).rejects.toMatchObject({ code: grpc.status.NOT_FOUND });
  });
});
