/**
 * The dashboard's view of the services' data: plain, serialisable objects (ISO strings for
 * times, data URLs for images, string unions for enums) that server components pass to
 * client components as props and route handlers send as JSON. The data-access lib
 * converts wire messages into these.
 */

export type RunKindView = 'train' | 'adversarial' | 'sweep' | 'study';
export type RunStatusView = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled' | 'interrupted';
export type AttackMethodView = 'fgsm' | 'pgd' | 'fgsm-rs' | 'apgd-ce' | 'apgd-dlr' | 'apgd-t' | 'square' | 'autoattack';

export const RUN_KINDS: readonly RunKindView[] = ['train', 'adversarial', 'sweep', 'study'];
export const RUN_STATUSES: readonly RunStatusView[] = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'];

/** Statuses after which a run never changes again. */
export const FINAL_STATUSES: readonly RunStatusView[] = ['succeeded', 'failed', 'cancelled', 'interrupted'];

export interface ModelConfigView {
  featureMaps: number[];
  dropRate: number;
  batchNorm: boolean;
  useSkip: boolean;
  imageSize: number;
  classNames: string[];
}

export interface TrainingConfigView {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
  loss: 'ce' | 'ova';
  mix: 'none' | 'mixup' | 'cutmix';
  mixAlpha: number | null;
  horizontalFlip: boolean;
  colorJitter: number;
  lrSchedule: 'constant' | 'cosine';
  validationFraction: number;
  weightDecay: number;
  earlyStoppingPatience: number;
}

export interface AttackConfigView {
  method: AttackMethodView;
  norm: 'linf' | 'l2';
  epsilon: number;
  stepSize: number;
  steps: number;
  randomStart: boolean;
  restarts: number;
  /** AutoAttack's budget. */
  version?: 'standard' | 'fast' | null;
  /** Square's query budget (AutoAttack's when it overrides its version's). */
  queries?: number | null;
}

export interface AdversarialConfigView {
  attack: AttackConfigView;
  evalAttack: AttackConfigView | null;
  evalImages: number;
}

export interface EpochView {
  epoch: number;
  trainLoss: number;
  trainAccuracy: number;
  valLoss: number;
  valAccuracy: number;
  robustValAccuracy: number | null;
  learningRate: number;
  seconds: number;
  imagesPerSecond: number;
}

export interface TrialView {
  index: number;
  total: number;
  overrides: Record<string, string>;
  runId: string;
  modelId: string;
  status: RunStatusView;
  valAccuracy: number;
  trainAccuracy: number;
  valLoss: number;
  robustAccuracy: number | null;
  rank: number;
  seconds: number;
}

export interface SweepConfigView {
  axes: { path: string; values: string[] }[];
  rankBy: 'val' | 'robust';
}

export interface RunView {
  id: string;
  name: string;
  kind: RunKindView;
  status: RunStatusView;
  datasetId: string;
  /** The dataset's name, or '' when the trainer could not say (the id is shown then). */
  datasetName: string;
  model: ModelConfigView;
  training: TrainingConfigView;
  adversarial: AdversarialConfigView | null;
  sweep: SweepConfigView | null;
  baseModelId: string;
  parentRunId: string;
  history: EpochView[];
  bestValAccuracy: number | null;
  bestRobustAccuracy: number | null;
  modelId: string;
  error: string;
  backend: string;
  createdAt: string | null;
  startedAt: string | null;
  finishedAt: string | null;
  trials: TrialView[];
}

export interface ClassProbabilityView {
  classIndex: number;
  label: string;
  probability: number;
}

export interface PredictionView {
  classIndex: number;
  label: string;
  confidence: number;
  topK: ClassProbabilityView[];
}

export interface SanityView {
  maxPerturbation: number;
  withinBudget: boolean;
  minPixel: number;
  maxPixel: number;
  eps0Accuracy: number;
  eps0MatchesClean: boolean;
}

export interface RobustView {
  attack: AttackConfigView;
  epsilonLabel: string;
  numImages: number;
  cleanAccuracy: number;
  robustAccuracy: number;
  attackSuccessRate: number;
  meanLoss: number;
  sanity: SanityView | null;
  seconds: number;
  /** AutoAttack: its members in order, with the images each broke and the robust accuracy after it. */
  cascade?: { attack: string; broken: number; robustAccuracy: number }[];
  /** AutoAttack: signs the evaluation may be unreliable, members skipped. */
  warnings?: string[];
}

export interface ModelView {
  id: string;
  name: string;
  runId: string;
  datasetId: string;
  config: ModelConfigView;
  adversarial: boolean;
  numParameters: number;
  valAccuracy: number;
  robustAccuracy: number | null;
  epoch: number;
  sizeBytes: number;
  createdAt: string | null;
  evaluations: RobustView[];
}

export interface EvaluationView {
  modelId: string;
  numImages: number;
  loss: number;
  accuracy: number;
  perClass: { classIndex: number; label: string; accuracy: number; support: number }[];
  confusion: { labels: string[]; counts: number[][] };
  robust: RobustView[];
  worstCaseAccuracy: number;
  seconds: number;
}

export interface GalleryItemView {
  index: number;
  trueClass: number;
  trueLabel: string;
  clean: PredictionView | null;
  adversarial: PredictionView | null;
  cleanPng: string;
  adversarialPng: string;
  perturbationPng: string;
  maxPerturbation: number;
  success: boolean;
  /** AutoAttack: the member that broke the image, 'clean' when misclassified to begin with; null when it stayed robust or for other attacks. */
  brokenBy?: string | null;
}

export interface GalleryView {
  result: RobustView | null;
  items: GalleryItemView[];
  curve: { epsilon: number; accuracy: number }[];
}

export interface DatasetView {
  id: string;
  name: string;
  source: string;
  imageSize: number;
  classNames: string[];
  trainCounts: number[];
  testCounts: number[];
  skipped: { path: string; reason: string }[];
  createdAt: string | null;
  builtin: boolean;
}

/** One event of a dataset import, as the route streams it. */
export type ImportEventView = { type: 'progress'; done: number; total: number; skipped: number } | { type: 'dataset'; dataset: DatasetView };

export interface SampleView {
  index: number;
  png: string;
  classIndex: number;
  label: string;
  /** Mixed labels, heaviest first. */
  weights: { classIndex: number; label: string; weight: number }[];
}

export interface AttackFrameView {
  step: number;
  totalSteps: number;
  imagePng: string;
  perturbationPng: string;
  prediction: PredictionView | null;
  loss: number;
  maxPerturbation: number;
  success: boolean;
  trueClass: number;
}

export type RunEventView = { runId: string; sequence: number; time: string | null } & (
  | { type: 'created'; run: RunView | null }
  | { type: 'status'; status: RunStatusView; queuePosition: number }
  | { type: 'batch'; epoch: number; batch: number; batchesPerEpoch: number; loss: number; accuracy: number; imagesPerSecond: number }
  | { type: 'epoch'; metrics: EpochView }
  | { type: 'checkpoint'; epoch: number; reason: 'best' | 'last' | 'unspecified'; accuracy: number }
  | { type: 'trial'; trial: TrialView }
  | { type: 'finished'; run: RunView | null; modelId: string }
  | { type: 'failed'; error: string }
  | { type: 'cancelled'; epochsCompleted: number }
  | { type: 'interrupted'; epochsCompleted: number; reason: string }
  /** Another worker took the run over and goes on from its last checkpoint (`fromWorker` is '' when it never ran). */
  | { type: 'handover'; fromWorker: string; toWorker: string; resumedAfterEpoch: number; reason: string }
  | { type: 'unknown' }
);

/** What a trainer process does: the gRPC front door, a worker that trains, or both (one machine). */
export type WorkerRoleView = 'api' | 'worker' | 'all';
/** Alive (heartbeats arrive), lost (no heartbeat within the lease: its runs move) or stopped (shut down cleanly). */
export type WorkerStateView = 'alive' | 'lost' | 'stopped';

/** One trainer process sharing the registry. */
export interface WorkerView {
  id: string;
  role: WorkerRoleView;
  state: WorkerStateView;
  host: string;
  pid: number;
  /** Tensor backend (onednn, wasm...) and its threads. */
  backend: string;
  threads: number;
  /** Runs it executes now. */
  runIds: string[];
  /** Runs it may execute at once. */
  slots: number;
  startedAt: string | null;
  heartbeatAt: string | null;
  version: string;
}

/** Wall-clock time of a run: start to end, or start to `now` while it runs. */
export function runDurationMs(run: Pick<RunView, 'startedAt' | 'finishedAt' | 'status'>, now: number = Date.now()): number | null {
  if (!run.startedAt) return null;
  const start = Date.parse(run.startedAt);
  const end = run.finishedAt ? Date.parse(run.finishedAt) : run.status === 'running' ? now : null;
  return end === null ? null : Math.max(0, end - start);
}

