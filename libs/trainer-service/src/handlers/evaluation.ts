/**
 * Evaluate and Attack: a stored model against a split of its data, clean and under attack.
 * The figures come from the attacks lib's robust evaluator; this file picks the images, turns
 * requests into attack specs and the evaluator's report into the contract's messages.
 */
import {
  AttackResponse,
  EvaluateRequest,
  EvaluateResponse,
  Split,
  type AttackConfig,
  type AttackRequest,
  type CascadeStage,
  type EvaluateProgress,
  type EvaluateStreamRequest,
  type EvaluateStreamResponse,
  type Model as ModelRecord,
  type RobustResult,
} from '@advlab/contract';
import { buildGallery, evaluateRobustness, modelClassifier, type AttackEvaluation, type Classifier, type RobustEvalStep } from '@advlab/attacks';
import { ATTACK_REPORT_FIELDS, attackTitle, ConfigError } from '@advlab/config';
import { attackSpecOf, checkField, checkTarget, epsilonLabel, resolveAttackConfig, resolveAttackReport } from '@advlab/config/resolve';
import { BatchLoader, createRng, permutation, subsetDataset, type ImageDataset } from '@advlab/data';
import { invalidArgument, PushStream } from '@advlab/grpc-server';
import { evaluateClean } from '@advlab/model';
import { splitOptions, type LoadedModel, type Registry } from '@advlab/registry';
import type { TrainerDeps } from '../service';

/** Images per batch of an evaluation. */
const EVAL_BATCH = 64;

/** A classifier over a loaded model, attacked with the model's own loss. */
export function classifierOf(loaded: LoadedModel): Classifier {
  return modelClassifier(loaded.model, { loss: loaded.loss });
}

/** The images of a split in evaluation batches (each a fresh tensor, disposed by its consumer). */
export function evaluationBatches(images: ImageDataset) {
  return new BatchLoader(images, { batchSize: EVAL_BATCH, augment: false, prefetch: 0 }).evalBatches();
}

/** The images of an evaluation: the model's split (by its own seed), optionally a seeded subset. */
export async function evaluationImages(
  registry: Registry,
  modelId: string,
  request: { datasetId: string; split: Split; maxImages: number; seed: number },
): Promise<{ images: ImageDataset; split: Split; datasetId: string }> {
  const record = await registry.models.get(modelId);
  const datasetId = request.datasetId || record.datasetId;
  const { images, split } = await registry.datasets.split(datasetId, request.split, splitOptions(record.training));
  const classes = record.config?.classNames ?? [];
  if (images.classNames.join('\n') !== classes.join('\n')) {
    throw invalidArgument(`dataset "${datasetId}" has other classes than model "${modelId}" was trained on`);
  }
  if (request.maxImages && request.maxImages < images.count) {
    const order = permutation(images.count, createRng(request.seed));
    return { images: subsetDataset(images, Array.from(order.subarray(0, request.maxImages)).sort((a, b) => a - b)), split, datasetId };
  }
  return { images, split, datasetId };
}

/** One attack's figures as the contract reports them. */
export function robustResultOf(attack: AttackConfig, evaluation: AttackEvaluation, cleanAccuracy: number, numImages: number): RobustResult {
  const s = evaluation.sanity;
  return {
    attack,
    epsilonLabel: epsilonLabel(attack),
    numImages,
    cleanAccuracy,
    robustAccuracy: evaluation.accuracy,
    attackSuccessRate: evaluation.successRate,
    meanLoss: evaluation.meanLoss,
    sanity: {
      maxPerturbation: s.maxPerturbation,
      withinBudget: s.withinBudget,
      minPixel: s.minPixel,
      maxPixel: s.maxPixel,
      eps0Accuracy: s.epsZeroAccuracy,
      eps0MatchesClean: s.epsZeroMatchesClean,
    },
    seconds: evaluation.seconds,
    cascade: cascadeOf(evaluation, cleanAccuracy, numImages),
    warnings: [...(evaluation.autoAttack?.warnings ?? [])],
  };
}

/** AutoAttack's members in order, each with the images it broke and the robust accuracy after it; empty for other attacks. */
function cascadeOf(evaluation: AttackEvaluation, cleanAccuracy: number, numImages: number): CascadeStage[] {
  const aa = evaluation.autoAttack;
  if (!aa || numImages === 0) return [];
  let robust = Math.round(cleanAccuracy * numImages);
  return aa.attacks.map((attack) => {
    const broken = aa.broken[attack] ?? 0;
    robust -= broken;
    return { attack, broken, robustAccuracy: robust / numImages };
  });
}

/** Keeps the newest evaluation per attack on the model's record. */
export async function recordEvaluations(registry: Registry, record: ModelRecord, results: RobustResult[]): Promise<void> {
  const key = (r: RobustResult) => {
    const a = r.attack;
    // AutoAttack's version and Square's query budget tell apart what the other fields do not.
    const budget = a?.autoattackVersion || a?.queries !== undefined ? [a?.autoattackVersion, a?.queries] : [];
    return JSON.stringify([a?.method, a?.norm, a?.epsilon, a?.steps, a?.targetClass, ...budget]);
  };
  const fresh = await registry.models.get(record.id);
  const kept = fresh.evaluations.filter((e) => !results.some((r) => key(r) === key(e)));
  await registry.models.update({ ...fresh, evaluations: [...kept, ...results] });
}

/** The accuracy of a stored model under one attack on `images` (sweeps ranked by robust accuracy). */
export async function robustAccuracy(registry: Registry, modelId: string, images: ImageDataset, attack: AttackConfig, signal: AbortSignal): Promise<number> {
  return registry.models.use(modelId, async (loaded) => {
    const report = await evaluateRobustness(classifierOf(loaded), evaluationBatches(images), { attacks: [attackSpecOf(attack)], seed: 0, signal });
    return report.attacks[0].accuracy;
  });
}

/** Evaluate: clean loss and accuracy, per class, the confusion matrix, each attack and the per-image worst case; `onProgress` hears where the attacks are. */
export async function evaluate(deps: TrainerDeps, request: EvaluateRequest, signal: AbortSignal, onProgress?: (p: EvaluateProgress) => void): Promise<EvaluateResponse> {
  const started = Date.now();
  if (!request.modelId) throw invalidArgument('model_id is required');
  const record = await deps.registry.models.get(request.modelId);
  checkField(ATTACK_REPORT_FIELDS.evaluateAttacks, request.attacks.length);
  const attacks = request.attacks.map((a, i) => resolveAttackConfig(a, 'evaluate', `attacks[${i}]`));
  attacks.forEach((a, i) => checkTarget(a, record.config?.classNames.length ?? 0, `attacks[${i}]`));
  const { images, split } = await evaluationImages(deps.registry, request.modelId, request);
  return deps.registry.models.use(request.modelId, async (loaded) => {
    const { model, loss } = loaded;
    const clean = await evaluateClean(model, loss, evaluationBatches(images), signal);
    const k = model.numClasses;
    const counts = new Array<number>(k * k).fill(0);
    const support = new Array<number>(k).fill(0);
    let correct = 0;
    for (let i = 0; i < clean.count; i++) {
      const y = clean.labels[i];
      counts[y * k + clean.predicted[i]]++;
      support[y]++;
      if (clean.predicted[i] === y) correct++;
    }
    const accuracy = clean.count ? correct / clean.count : 0;
    let robust: RobustResult[] = [];
    let worstCaseAccuracy = accuracy;
    if (attacks.length && images.count) {
      const specs = attacks.map(attackSpecOf);
      const progress = onProgress && ((p: RobustEvalStep) => onProgress(progressOf(p, attacks.length, images.count)));
      // After each batch: the last attack done with those images too.
      const batchDone = onProgress && ((p: { images: number }) => progress?.({ attack: specs.length - 1, title: attackTitle(specs[specs.length - 1]), stage: null, imagesDone: p.images, batchImages: 0 }));
      const report = await evaluateRobustness(classifierOf(loaded), evaluationBatches(images), { attacks: specs, seed: request.seed, signal, onAttack: progress, onBatch: batchDone });
      robust = report.attacks.map((a, i) => robustResultOf(attacks[i], a, report.cleanAccuracy, report.images));
      worstCaseAccuracy = report.worstCaseAccuracy;
      await recordEvaluations(deps.registry, record, robust);
    }
    return EvaluateResponse.fromPartial({
      modelId: request.modelId,
      split,
      numImages: images.count,
      loss: clean.loss,
      accuracy,
      perClass: images.classNames.map((label, c) => ({ classIndex: c, label, support: support[c], accuracy: support[c] ? counts[c * k + c] / support[c] : 0 })),
      confusion: { labels: [...images.classNames], counts },
      robust,
      worstCaseAccuracy,
      seconds: (Date.now() - started) / 1000,
    });
  });
}

function progressOf(p: RobustEvalStep, attackCount: number, imagesTotal: number): EvaluateProgress {
  return { attackIndex: p.attack, attackCount, attack: p.title, stage: p.stage ?? '', imagesDone: p.imagesDone, imagesTotal };
}

/** Progress messages between changes of attack or cascade member come at most this often. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * EvaluateStream: Evaluate's work, with a progress message whenever another attack (or member of
 * an AutoAttack cascade) starts and at most every 250 ms otherwise, then the result.
 */
export async function* evaluateStream(deps: TrainerDeps, request: EvaluateStreamRequest, signal: AbortSignal): AsyncGenerator<EvaluateStreamResponse> {
  const stream = new PushStream<EvaluateStreamResponse>();
  let lastKey = '';
  let lastAt = 0;
  const onProgress = (p: EvaluateProgress) => {
    const key = `${p.attackIndex}/${p.stage}/${p.imagesDone}`;
    const message: EvaluateStreamResponse = { event: { $case: 'progress', value: p } };
    if (key !== lastKey) stream.push(message);
    else if (Date.now() - lastAt >= PROGRESS_INTERVAL_MS) stream.replace((q) => q.event?.$case === 'progress', message);
    else return;
    lastKey = key;
    lastAt = Date.now();
  };
  const evaluation = request.evaluation ?? EvaluateRequest.fromPartial({});
  deps.pool.run(() => evaluate(deps, evaluation, signal, onProgress), signal).then(
    (result) => {
      stream.push({ event: { $case: 'result', value: result } });
      stream.end();
    },
    (err: unknown) => stream.end(err),
  );
  yield* stream;
}

/** Attack: robust accuracy over a split, a robustness curve, and the gallery of clean / adversarial pairs. */
export async function attack(deps: TrainerDeps, request: AttackRequest, signal: AbortSignal): Promise<AttackResponse> {
  if (!request.modelId) throw invalidArgument('model_id is required');
  const { images } = await evaluationImages(deps.registry, request.modelId, request);
  return deps.registry.models.use(request.modelId, (loaded) => attackModel(deps.registry, loaded, images, request, signal));
}

async function attackModel(registry: Registry, loaded: LoadedModel, images: ImageDataset, request: AttackRequest, signal: AbortSignal): Promise<AttackResponse> {
  const config = resolveAttackConfig(request.attack, 'evaluate');
  checkTarget(config, loaded.model.numClasses, 'attack');
  const { gallerySize, amplification } = resolveAttackReport(request, config.norm);
  if (!images.count) throw new ConfigError('split', 'holds no images to attack');
  const spec = attackSpecOf(config);
  const classifier = classifierOf(loaded);
  const report = await evaluateRobustness(classifier, evaluationBatches(images), { attacks: [spec], curve: request.curveEpsilons, seed: request.seed, signal });
  const result = robustResultOf(config, report.attacks[0], report.cleanAccuracy, report.images);
  const response = AttackResponse.fromPartial({ result, curve: report.curve.map((c) => ({ epsilon: c.eps, accuracy: c.accuracy })) });
  if (gallerySize > 0) {
    const gallery = await buildGallery(classifier, images, { attack: spec, count: gallerySize, seed: request.seed, classNames: images.classNames, gain: amplification, signal });
    response.gallery = gallery.items.map((item) => ({
      index: item.index,
      trueClass: item.label,
      trueLabel: item.labelName,
      clean: { classIndex: item.clean.class, label: item.clean.name, confidence: item.clean.confidence, topK: [] },
      adversarial: { classIndex: item.adversarial.class, label: item.adversarial.name, confidence: item.adversarial.confidence, topK: [] },
      cleanPng: item.png.clean,
      adversarialPng: item.png.adversarial,
      perturbationPng: item.png.perturbation,
      maxPerturbation: item.maxAbsDelta,
      success: item.success && item.clean.class === item.label,
      brokenBy: item.brokenBy ?? '',
    }));
    if (request.contactSheet ?? true) response.contactSheetPng = gallery.sheet;
  }
  await recordEvaluations(registry, loaded.record, [result]);
  return response;
}
