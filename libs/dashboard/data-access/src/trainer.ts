/** The trainer's RPCs as the dashboard uses them: wire requests in, views out. */
import { ATTACK_FIELDS } from '@advlab/config';
import type { ClientReadableStream } from '@grpc/grpc-js';
import { AugmentationConfig, Split, StudyPreset, StudyRequest, StudyStageKind, promiseClient, type RunEvent, type TrainerServiceClient } from '@advlab/contract';
import { getTrainerClient } from './clients';
import { toDashboardError } from './errors';
import { toAdversarialTrainRequest, toImportDatasetRequest, toSweepRequest, toTrainRequest, toWireAttack } from './requests';
import { grpcStreamToSSE } from './sse';
import type { StudyRequestData, DatasetView, GalleryRequestData, ImportDatasetRequestData, NewRunRequest, EvaluationView, GalleryView, ModelView, RunKindView, RunStatusView, RunView, SampleView, WorkerView } from '@advlab/dashboard-util';
import { fromRunKind, fromRunStatus, toDataset, toEvaluation, toGallery, toImportEvent, toModel, toRun, toRunEvent, toSample, toWorker } from './views';

const LIST_DEADLINE_MS = 10_000;
const EVALUATE_DEADLINE_MS = 180_000;

const deadline = (ms: number) => ({ deadline: Date.now() + ms });

type Client = () => TrainerServiceClient;
const api = (client: Client = getTrainerClient) => promiseClient(client());

export interface ListRunsFilter {
  status?: RunStatusView;
  kind?: RunKindView;
  datasetId?: string;
  includeTrials?: boolean;
  pageSize?: number;
}

export async function listRuns(filter: ListRunsFilter = {}, client?: Client): Promise<RunView[]> {
  const { runs } = await api(client).listRuns(
    {
      pageSize: filter.pageSize ?? 100,
      pageToken: '',
      status: filter.status ? fromRunStatus(filter.status) : 0,
      kind: filter.kind ? fromRunKind(filter.kind) : 0,
      datasetId: filter.datasetId ?? '',
      includeTrials: filter.includeTrials ?? false,
    },
    undefined,
    deadline(LIST_DEADLINE_MS),
  );
  return withDatasetNames(runs.map(toRun), client);
}

export async function getRun(runId: string, client?: Client): Promise<RunView> {
  const { run } = await api(client).getRun({ runId }, undefined, deadline(LIST_DEADLINE_MS));
  if (!run) throw new Error(`The trainer returned no run for ${runId}`);
  return (await withDatasetNames([toRun(run)], client))[0];
}

/**
 * Runs name their dataset by id; people know it by name. The names come from one ListDatasets
 * call; when it fails the runs are still shown, by dataset id.
 */
async function withDatasetNames(runs: RunView[], client?: Client): Promise<RunView[]> {
  if (runs.length === 0) return runs;
  const names = await listDatasets(client).then(
    (datasets) => new Map(datasets.map((d) => [d.id, d.name])),
    () => new Map<string, string>(),
  );
  return runs.map((run) => ({ ...run, datasetName: names.get(run.datasetId) ?? '' }));
}

/** A study as the dashboard shows it: its run, its report (the trainer renders it) and its submission. */
export interface StudyReportView {
  run: RunView;
  /** Stages finished, of 5. */
  stagesDone: number;
  /** The stage running now, for people ('' when none). */
  currentStage: string;
  /** The self-contained HTML report. */
  html: string;
  fileName: string;
  /** The submission CSV, once its stage has run ('' before or when skipped). */
  submissionCsv: string;
}

const STUDY_STAGE_LABELS: Record<number, string> = {
  [StudyStageKind.STUDY_STAGE_KIND_TUNING]: 'Tuning',
  [StudyStageKind.STUDY_STAGE_KIND_VARIANTS]: 'Mixup, CutMix and OVA',
  [StudyStageKind.STUDY_STAGE_KIND_ATTACK]: 'PGD-20 attack',
  [StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL]: 'Adversarial training',
  [StudyStageKind.STUDY_STAGE_KIND_SUBMISSION]: 'Submission',
};

export async function getStudyReport(runId: string, client?: Client): Promise<StudyReportView> {
  const trainer = api(client);
  const [study, report] = await Promise.all([
    trainer.getStudy({ runId }, undefined, deadline(LIST_DEADLINE_MS)),
    trainer.exportStudyReport({ runId }, undefined, deadline(LIST_DEADLINE_MS)),
  ]);
  if (!study.run) throw new Error(`The trainer returned no study for ${runId}`);
  const submission = study.stages.find((s) => s.kind === StudyStageKind.STUDY_STAGE_KIND_SUBMISSION)?.submission;
  return {
    run: (await withDatasetNames([toRun(study.run)], client))[0],
    stagesDone: study.stages.length,
    currentStage: STUDY_STAGE_LABELS[study.current] ?? '',
    html: report.html,
    fileName: report.fileName,
    submissionCsv: submission?.csv ?? '',
  };
}

export async function cancelRun(runId: string, client?: Client): Promise<RunView | null> {
  const { run } = await api(client).cancelRun({ runId }, undefined, deadline(LIST_DEADLINE_MS));
  return run ? toRun(run) : null;
}

/** The first event of a run's stream carries its id; the run goes on after the call is dropped. */
function firstRunId(call: ClientReadableStream<{ event?: RunEvent }>): Promise<string> {
  return new Promise((resolve, reject) => {
    let settled = false;
    call.on('data', (response: { event?: RunEvent }) => {
      if (settled || !response.event?.runId) return;
      settled = true;
      resolve(response.event.runId);
      call.cancel();
    });
    call.on('error', (error) => {
      if (!settled) {
        settled = true;
        reject(error);
      }
    });
    call.on('end', () => {
      if (!settled) {
        settled = true;
        reject(new Error('The trainer ended the stream before the run was created'));
      }
    });
  });
}

/** Starts a study; resolves with its id once accepted (it goes on without the call). */
export function startStudy(request: StudyRequestData, client: Client = getTrainerClient): Promise<{ runId: string }> {
  const call = client().study(
    StudyRequest.fromPartial({
      datasetId: request.datasetId,
      name: request.name,
      study: { preset: request.preset === 'quick' ? StudyPreset.STUDY_PRESET_QUICK : StudyPreset.STUDY_PRESET_NOTEBOOK, testFolder: request.testFolder },
    }),
  );
  return firstRunId(call as ClientReadableStream<{ event?: RunEvent }>).then((runId) => ({ runId }));
}

/** Starts a training run, an adversarial training run or a sweep; resolves with its id once accepted. */
export function startRun(request: NewRunRequest, client: Client = getTrainerClient): Promise<{ runId: string }> {
  const trainer = client();
  const call =
    request.kind === 'train'
      ? trainer.train(toTrainRequest(request))
      : request.kind === 'adversarial'
        ? trainer.adversarialTrain(toAdversarialTrainRequest(request))
        : trainer.sweep(toSweepRequest(request));
  return firstRunId(call as ClientReadableStream<{ event?: RunEvent }>).then((runId) => ({ runId }));
}

/**
 * A run's events as server-sent events (`event: run`, JSON `RunEventView`), replayed from
 * `afterSequence` and then live (`event: stream-error` on failure); the WatchRun call is
 * cancelled when `signal` aborts.
 */
export function watchRunEvents(runId: string, options: { afterSequence?: number; signal?: AbortSignal } = {}, client: Client = getTrainerClient): ReadableStream<Uint8Array> {
  const call = client().watchRun({ runId, afterSequence: options.afterSequence ?? 0 });
  return grpcStreamToSSE(call, {
    signal: options.signal,
    toErrorEvent: (error) => ({ event: 'stream-error', data: toDashboardError(error) }),
    toEvent: (response) => {
      if (!response.event) return null;
      const event = toRunEvent(response.event);
      return { event: 'run', id: event.sequence > 0 ? String(event.sequence) : undefined, data: event };
    },
  });
}

export async function listModels(options: { datasetId?: string } = {}, client?: Client): Promise<ModelView[]> {
  const { models } = await api(client).listModels({ pageSize: 200, pageToken: '', datasetId: options.datasetId ?? '' }, undefined, deadline(LIST_DEADLINE_MS));
  return models.map(toModel);
}

export async function getModel(modelId: string, client?: Client): Promise<ModelView> {
  const { model } = await api(client).getModel({ modelId }, undefined, deadline(LIST_DEADLINE_MS));
  if (!model) throw new Error(`The trainer returned no model for ${modelId}`);
  return toModel(model);
}

export async function deleteModel(modelId: string, client?: Client): Promise<void> {
  await api(client).deleteModel({ modelId }, undefined, deadline(LIST_DEADLINE_MS));
}

export interface EvaluateOptions {
  /** Also run FGSM and the notebook's PGD-20 (step 0.002) at this budget (pixel scale) for clean-vs-robust bars. */
  robustEpsilon?: number;
  /** Run AutoAttack (fast) at `robustEpsilon` instead of FGSM and PGD. */
  autoattack?: boolean;
  maxImages?: number;
}

/** Clean evaluation (per-class accuracy, confusion matrix), optionally with FGSM and PGD, or AutoAttack. */
export async function evaluateModel(modelId: string, options: EvaluateOptions = {}, client?: Client): Promise<EvaluationView> {
  const eps255 = options.robustEpsilon === undefined ? undefined : options.robustEpsilon * 255;
  const attacks =
    eps255 === undefined
      ? []
      : options.autoattack
        ? [toWireAttack({ method: 'autoattack', epsilon255: eps255, steps: 1, stepSize255: eps255 })]
        : [
          toWireAttack({ method: 'fgsm', epsilon255: eps255, steps: 1, stepSize255: eps255 }),
          toWireAttack({
            method: 'pgd',
            epsilon255: eps255,
            steps: ATTACK_FIELDS.evaluationSteps.default as number,
            stepSize255: 255 * (ATTACK_FIELDS.stepSizeLinf.default as number),
          }),
        ];
  const response = await api(client).evaluate(
    { modelId, datasetId: '', split: Split.SPLIT_UNSPECIFIED, attacks, maxImages: options.maxImages ?? 0, seed: 0 },
    undefined,
    deadline(EVALUATE_DEADLINE_MS),
  );
  return toEvaluation(response);
}

/** Attacks a model over its test split and returns the 20-image gallery with the sanity checks. */
export async function attackGallery(request: GalleryRequestData, options: { maxImages?: number } = {}, client?: Client): Promise<GalleryView> {
  const response = await api(client).attack(
    {
      modelId: request.modelId,
      datasetId: '',
      split: Split.SPLIT_UNSPECIFIED,
      attack: toWireAttack(request),
      maxImages: options.maxImages ?? 200,
      gallerySize: 20,
      seed: request.seed,
      amplification: 10,
      curveEpsilons: [],
      contactSheet: false,
    },
    undefined,
    deadline(EVALUATE_DEADLINE_MS),
  );
  return toGallery(response);
}

export async function listDatasets(client?: Client): Promise<DatasetView[]> {
  const { datasets } = await api(client).listDatasets({}, undefined, deadline(LIST_DEADLINE_MS));
  return datasets.map(toDataset);
}

export async function getDataset(datasetId: string, client?: Client): Promise<DatasetView> {
  const { dataset } = await api(client).getDataset({ datasetId }, undefined, deadline(LIST_DEADLINE_MS));
  if (!dataset) throw new Error(`The trainer returned no dataset for ${datasetId}`);
  return toDataset(dataset);
}

/**
 * Imports an ImageFolder as server-sent events: `event: progress` (`{ done, total, skipped }`)
 * while the trainer reads the files, then `event: dataset` (`DatasetView`), or
 * `event: stream-error` with a `DashboardError` (e.g. the folder is missing). The
 * ImportDataset call is cancelled when `signal` aborts.
 */
export function importDatasetEvents(data: ImportDatasetRequestData, options: { signal?: AbortSignal } = {}, client: Client = getTrainerClient): ReadableStream<Uint8Array> {
  const call = client().importDataset(toImportDatasetRequest(data));
  return grpcStreamToSSE(call, {
    signal: options.signal,
    toErrorEvent: (error) => ({ event: 'stream-error', data: toDashboardError(error) }),
    toEvent: (response) => {
      const event = toImportEvent(response);
      if (!event) return null;
      return event.type === 'progress' ? { event: 'progress', data: { done: event.done, total: event.total, skipped: event.skipped } } : { event: 'dataset', data: event.dataset };
    },
  });
}

/**
 * The trainer processes sharing the registry (scaled out: the api and every worker; on one
 * machine: the one trainer), the api first, then workers by start time. With `includeStopped`,
 * also those lost or shut down in the last hour.
 */
export async function listWorkers(options: { includeStopped?: boolean } = {}, client?: Client): Promise<WorkerView[]> {
  const { workers } = await api(client).listWorkers({ includeStopped: options.includeStopped ?? false }, undefined, deadline(LIST_DEADLINE_MS));
  return workers.map(toWorker);
}

export const SAMPLE_AUGMENTATIONS = ['none', 'flip-jitter', 'mixup', 'cutmix'] as const;
export type SampleAugmentation = (typeof SAMPLE_AUGMENTATIONS)[number];

function sampleAugmentation(kind: SampleAugmentation): AugmentationConfig | undefined {
  switch (kind) {
    case 'flip-jitter':
      return AugmentationConfig.fromPartial({ horizontalFlip: true, colorJitter: 0.4 });
    case 'mixup':
      return AugmentationConfig.fromPartial({ horizontalFlip: false, colorJitter: 0, mix: { $case: 'mixup', value: { alpha: 0.4 } } });
    case 'cutmix':
      return AugmentationConfig.fromPartial({ horizontalFlip: false, colorJitter: 0, mix: { $case: 'cutmix', value: { alpha: 1 } } });
    default:
      return undefined;
  }
}

export interface SampleOptions {
  count?: number;
  seed?: number;
  split?: 'train' | 'test';
  augmentation?: SampleAugmentation;
}

/** Sample images of a dataset with their labels, augmented as in training when asked. */
export async function sampleDataset(datasetId: string, options: SampleOptions = {}, client?: Client): Promise<{ samples: SampleView[]; classNames: string[] }> {
  const response = await api(client).sampleDataset(
    {
      datasetId,
      split: options.split === 'test' ? Split.SPLIT_TEST : Split.SPLIT_TRAIN,
      count: options.count ?? 32,
      seed: options.seed ?? 0,
      augmentation: sampleAugmentation(options.augmentation ?? 'none'),
    },
    undefined,
    deadline(LIST_DEADLINE_MS * 3),
  );
  return { samples: response.samples.map((s) => toSample(s, response.classNames)), classNames: response.classNames };
}
