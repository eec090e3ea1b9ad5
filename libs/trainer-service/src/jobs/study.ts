/**
 * The study job: the notebook's Questions 3.2 to 3.8 as one run of five stages, each stage's
 * trainings as child runs of the study. A finished stage is recorded as a `stage` event in the
 * study's log; a study resumed after a trainer restart reads them back and goes on with the
 * first stage not recorded (a stage cut short is done again from its start).
 */
import {
  AttackConfig,
  AttackMethod,
  AttackRequest,
  EvaluateRequest,
  LossKind,
  Run,
  RunKind,
  RunStatus,
  Split,
  StudyStageKind,
  SweepRankBy,
  SweepRequest,
  type ImagePrediction,
  type StudyConfig,
  type StudyStage,
  type StudyVariant,
  submissionCsv,
  type TrainingConfig,
} from '@advlab/contract';
import { resolveAdversarialConfig } from '@advlab/config/resolve';
import { attack, evaluate } from '../handlers/evaluation';
import { predictStream } from '../handlers/models';
import { prepareSweep, trainingRun, trainingSpec } from '../handlers/runs';
import type { JobBody, JobContext } from '../runs';
import type { TrainerDeps } from '../service';
import { adversarialVariant } from './adversarial';
import { rankTrials } from './sweep';
import type { TrainingSpec, TrainingVariant } from './training';

/** The stages in the order they run. */
export const STUDY_STAGES: readonly StudyStageKind[] = [
  StudyStageKind.STUDY_STAGE_KIND_TUNING,
  StudyStageKind.STUDY_STAGE_KIND_VARIANTS,
  StudyStageKind.STUDY_STAGE_KIND_ATTACK,
  StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL,
  StudyStageKind.STUDY_STAGE_KIND_SUBMISSION,
];

/** Stage names for people. */
export const STUDY_STAGE_NAMES: Record<StudyStageKind, string> = {
  [StudyStageKind.STUDY_STAGE_KIND_UNSPECIFIED]: 'none',
  [StudyStageKind.STUDY_STAGE_KIND_TUNING]: 'tuning',
  [StudyStageKind.STUDY_STAGE_KIND_VARIANTS]: 'mixup, cutmix and ova',
  [StudyStageKind.STUDY_STAGE_KIND_ATTACK]: 'pgd-20 attack',
  [StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL]: 'adversarial training',
  [StudyStageKind.STUDY_STAGE_KIND_SUBMISSION]: 'submission',
};

/** Gallery size of the attack stage: the notebook's 20 images. */
const GALLERY_SIZE = 20;

const STANDARD: TrainingVariant = { kind: RunKind.RUN_KIND_TRAIN };

/** The attacks of the clean-versus-robust table: FGSM and PGD-20 at 8/255 (step 0.002). */
const TABLE_ATTACKS = [AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_FGSM }), AttackConfig.fromPartial({ method: AttackMethod.ATTACK_METHOD_PGD })];

/** A study's run was stopped (cancel or service stop) inside a stage. */
class StageStopped extends Error {
  constructor() {
    super('the study was stopped');
  }
}

/** The finished stages of a stored study, in order. */
export async function finishedStages(deps: Pick<TrainerDeps, 'registry'>, runId: string): Promise<StudyStage[]> {
  return (await deps.registry.runs.eventsOf(runId, 'stage')).flatMap((e) => (e.event?.$case === 'stage' ? [e.event.value] : []));
}

/** What the stages pass on: the tuning's best model and the chosen one. */
interface StudyState {
  stages: Map<StudyStageKind, StudyStage>;
}

function bestModelId(state: StudyState): string {
  const id = state.stages.get(StudyStageKind.STUDY_STAGE_KIND_TUNING)?.tuning?.bestModelId;
  if (!id) throw new Error('the tuning stage has no best model');
  return id;
}

function chosenModelId(state: StudyState): string {
  return state.stages.get(StudyStageKind.STUDY_STAGE_KIND_VARIANTS)?.variants?.chosenModelId || bestModelId(state);
}

/**
 * The job of a study run: each stage not yet recorded in the run's log, in order. Built from
 * the stored run alone, so the restarted trainer resumes a study with the same function.
 */
export function studyJob(deps: TrainerDeps): JobBody {
  return async (ctx) => {
    const study = ctx.run.study as StudyConfig;
    const state: StudyState = { stages: new Map((await finishedStages(deps, ctx.run.id)).map((s) => [s.kind, s])) };
    let resumed = (await deps.registry.runs.eventsOf(ctx.run.id, 'stageStarted')).length > 0;
    for (const [i, kind] of STUDY_STAGES.entries()) {
      if (state.stages.has(kind)) continue;
      if (ctx.signal.aborted) return {};
      ctx.emit({ $case: 'stageStarted', value: { kind, index: i + 1, total: STUDY_STAGES.length, resumed } });
      resumed = false;
      const started = Date.now();
      let stage: StudyStage;
      try {
        stage = await runStage(kind, ctx, deps, study, state);
      } catch (err) {
        if (err instanceof StageStopped || ctx.signal.aborted) return {};
        throw err;
      }
      if (ctx.signal.aborted) return {};
      stage.seconds = (Date.now() - started) / 1000;
      ctx.emit({ $case: 'stage', value: stage });
      state.stages.set(kind, stage);
    }
    const model = await deps.registry.models.get(chosenModelId(state));
    ctx.update({ bestValAccuracy: model.valAccuracy });
    return { model };
  };
}

function emptyStage(kind: StudyStageKind): StudyStage {
  return { kind, runIds: [], seconds: 0, skipped: '' };
}

function runStage(kind: StudyStageKind, ctx: JobContext, deps: TrainerDeps, study: StudyConfig, state: StudyState): Promise<StudyStage> {
  switch (kind) {
    case StudyStageKind.STUDY_STAGE_KIND_TUNING:
      return tuningStage(ctx, deps, study);
    case StudyStageKind.STUDY_STAGE_KIND_VARIANTS:
      return variantsStage(ctx, deps, bestModelId(state));
    case StudyStageKind.STUDY_STAGE_KIND_ATTACK:
      return attackStage(ctx, deps, study, bestModelId(state));
    case StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL:
      return adversarialStage(ctx, deps, study, bestModelId(state));
    case StudyStageKind.STUDY_STAGE_KIND_SUBMISSION:
      return submissionStage(ctx, deps, study, chosenModelId(state));
    default:
      throw new Error(`unknown study stage ${kind}`);
  }
}

/** Runs a child run of the study; throws when the study stops or the child does not succeed. */
async function child(ctx: JobContext, run: Run): Promise<Run> {
  const [finished] = await ctx.runChildren([run]);
  if (ctx.signal.aborted || !finished) throw new StageStopped();
  if (finished.status !== RunStatus.RUN_STATUS_SUCCEEDED) {
    throw new Error(`${run.name}: run ${run.id} ${RunStatus[finished.status].replace('RUN_STATUS_', '').toLowerCase()}${finished.error ? `: ${finished.error}` : ''}`);
  }
  return finished;
}

/** A training as a child run of the study. */
function trainChild(ctx: JobContext, spec: TrainingSpec, variant: TrainingVariant): Promise<Run> {
  return child(ctx, trainingRun(spec, variant));
}

/** Stage 1: the grid as a sweep (a child run whose trials are its children), ranked by validation accuracy. */
async function tuningStage(ctx: JobContext, deps: TrainerDeps, study: StudyConfig): Promise<StudyStage> {
  const request = SweepRequest.fromPartial({
    datasetId: ctx.run.datasetId,
    model: ctx.run.model,
    training: { ...ctx.run.training, epochs: study.epochs },
    sweep: { axes: study.grid, rankBy: SweepRankBy.SWEEP_RANK_BY_VAL_ACCURACY },
    name: `${ctx.run.name}: tuning`,
  });
  const finished = await child(ctx, await prepareSweep(deps, request));
  const trials = rankTrials(finished.trials, SweepRankBy.SWEEP_RANK_BY_VAL_ACCURACY);
  const best = trials[0];
  if (!best?.modelId) throw new Error('no tuning trial produced a model');
  const record = await deps.registry.models.get(best.modelId);
  return {
    ...emptyStage(StudyStageKind.STUDY_STAGE_KIND_TUNING),
    runIds: [finished.id],
    tuning: { sweepRunId: finished.id, trials, model: record.config, training: record.training, bestModelId: record.id },
  };
}

/** The test split's clean evaluation of a model (per class and confusion included). */
function testEvaluation(ctx: JobContext, deps: TrainerDeps, modelId: string, attacks: AttackConfig[] = [], maxImages = 0) {
  return evaluate(deps, EvaluateRequest.fromPartial({ modelId, split: Split.SPLIT_UNSPECIFIED, attacks, maxImages, seed: 0 }), ctx.signal);
}

/** Stage 2: the best configuration retrained with Mixup, CutMix and the one-versus-all loss, against the plain model. */
async function variantsStage(ctx: JobContext, deps: TrainerDeps, bestId: string): Promise<StudyStage> {
  const best = await deps.registry.models.get(bestId);
  const base = best.training as TrainingConfig;
  const plainRun = await deps.registry.runs.get(best.runId);
  const variants: StudyVariant[] = [
    { name: 'plain', runId: best.runId, modelId: best.id, valAccuracy: best.valAccuracy, history: plainRun?.history ?? [], test: await testEvaluation(ctx, deps, best.id) },
  ];
  const trainings: { name: string; training: TrainingConfig }[] = [
    { name: 'mixup', training: { ...base, augmentation: { ...base.augmentation, mix: { $case: 'mixup', value: { alpha: 0 } } } } },
    { name: 'cutmix', training: { ...base, augmentation: { ...base.augmentation, mix: { $case: 'cutmix', value: { alpha: 0 } } } } },
    { name: 'ova', training: { ...base, augmentation: { ...base.augmentation, mix: undefined }, loss: LossKind.LOSS_KIND_ONE_VS_ALL } },
  ];
  const runIds: string[] = [];
  for (const t of trainings) {
    const spec = await trainingSpec(deps, { datasetId: ctx.run.datasetId, model: best.config, training: t.training, name: `${ctx.run.name}: ${t.name}`, baseModelId: '' }, t.name);
    const finished = await trainChild(ctx, spec, STANDARD);
    runIds.push(finished.id);
    variants.push({ name: t.name, runId: finished.id, modelId: finished.modelId, valAccuracy: finished.bestValAccuracy, history: finished.history, test: await testEvaluation(ctx, deps, finished.modelId) });
  }
  const chosen = variants.reduce((a, b) => (b.valAccuracy > a.valAccuracy ? b : a));
  return { ...emptyStage(StudyStageKind.STUDY_STAGE_KIND_VARIANTS), runIds, variants: { variants, chosenModelId: chosen.modelId } };
}

/** Stage 3: PGD-20 on the best model: robust accuracy, the gallery, the curve; FGSM and PGD-20 on the attacked test images. */
async function attackStage(ctx: JobContext, deps: TrainerDeps, study: StudyConfig, bestId: string): Promise<StudyStage> {
  const pgd = await attack(
    deps,
    AttackRequest.fromPartial({
      modelId: bestId,
      split: Split.SPLIT_UNSPECIFIED,
      attack: TABLE_ATTACKS[1],
      maxImages: study.attackImages,
      gallerySize: GALLERY_SIZE,
      seed: 0,
      curveEpsilons: study.curveEpsilons,
      contactSheet: false,
    }),
    ctx.signal,
  );
  const test = await testEvaluation(ctx, deps, bestId, TABLE_ATTACKS, study.attackImages);
  return { ...emptyStage(StudyStageKind.STUDY_STAGE_KIND_ATTACK), attack: { modelId: bestId, pgd, test } };
}

/** Stage 4: PGD-10 adversarial training from the best model (best epoch by robust validation accuracy), then FGSM and PGD-20 on the test split. */
async function adversarialStage(ctx: JobContext, deps: TrainerDeps, study: StudyConfig, bestId: string): Promise<StudyStage> {
  const best = await deps.registry.models.get(bestId);
  const adversarial = resolveAdversarialConfig({ evalImages: study.adversarialEvalImages });
  const training = { ...(best.training as TrainingConfig), epochs: study.adversarialEpochs };
  const spec = {
    ...(await trainingSpec(deps, { datasetId: ctx.run.datasetId, model: best.config, training, name: `${ctx.run.name}: adversarial training`, baseModelId: bestId }, 'adversarial')),
    adversarial,
  };
  const finished = await trainChild(ctx, spec, adversarialVariant(adversarial));
  const test = await testEvaluation(ctx, deps, finished.modelId, TABLE_ATTACKS, study.attackImages);
  const curve = await attack(
    deps,
    AttackRequest.fromPartial({ modelId: finished.modelId, attack: TABLE_ATTACKS[1], maxImages: study.attackImages, gallerySize: 0, seed: 0, curveEpsilons: study.curveEpsilons, contactSheet: false }),
    ctx.signal,
  );
  return {
    ...emptyStage(StudyStageKind.STUDY_STAGE_KIND_ADVERSARIAL),
    runIds: [finished.id],
    adversarial: { runId: finished.id, modelId: finished.modelId, history: finished.history, test, curve: curve.curve },
  };
}

/** Stage 5: the test folder predicted with the chosen model (the Predict path) into the submission CSV. */
async function submissionStage(ctx: JobContext, deps: TrainerDeps, study: StudyConfig, modelId: string): Promise<StudyStage> {
  const stage = emptyStage(StudyStageKind.STUDY_STAGE_KIND_SUBMISSION);
  if (!study.testFolder) return { ...stage, skipped: 'no test folder was given' };
  const predictions: ImagePrediction[] = [];
  for await (const chunk of predictStream(deps, { modelId, input: { $case: 'folder', value: study.testFolder }, topK: 1 }, ctx.signal)) predictions.push(...chunk.predictions);
  if (ctx.signal.aborted) throw new StageStopped();
  const errors = predictions.filter((p) => p.error || !p.prediction).length;
  return {
    ...stage,
    submission: { modelId, folder: study.testFolder, predicted: predictions.length - errors, errors, csv: submissionCsv(predictions, 1) },
  };
}
