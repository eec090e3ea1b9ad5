import {
  AdversarialConfig,
  AttackMethod,
  AttackResponse,
  Norm,
  RunKind,
  type AttackConfig,
  type AttackRequest,
  type Model as ModelRecord,
  type RobustResult,
} from '@advlab/contract';
import { adversarialTrain, buildGallery, modelClassifier, type Classifier } from '@advlab/attacks';
import { invalidArgument } from '@advlab/grpc-server';
import type { LoadedModel, Registry } from '@advlab/registry';
import { attackDataset, attackLoss, resolveAttackConfig } from '@advlab/service-kit';
import type { TrainingVariant } from './jobs/training';

/** A classifier over a loaded model, attacked with the model's own loss. */
export function classifierOf(loaded: LoadedModel): Classifier {
  return modelClassifier(loaded.model, { loss: loaded.loss });
}

/** Checks an attack's target class against the model's classes. */
export function checkTarget(attack: AttackConfig, numClasses: number, field: string): void {
  if (attack.targetClass !== undefined && attack.targetClass >= numClasses) {
    throw invalidArgument(`${field}.target_class must be in [0, ${numClasses - 1}], got ${attack.targetClass}`);
  }
}

/** Keeps the newest evaluation per attack on the model's record. */
export function recordEvaluations(registry: Registry, record: ModelRecord, results: RobustResult[]): void {
  const key = (r: RobustResult) => JSON.stringify([r.attack?.method, r.attack?.norm, r.attack?.epsilon, r.attack?.steps, r.attack?.targetClass]);
  const fresh = registry.models.get(record.id);
  const kept = fresh.evaluations.filter((e) => !results.some((r) => key(r) === key(e)));
  registry.models.update({ ...fresh, evaluations: [...kept, ...results] });
}

/** Default gallery size: the notebook's 20 images. */
export const DEFAULT_GALLERY_SIZE = 20;

/** The Attack RPC: robust accuracy over a split, a robustness curve, and the gallery. */
export async function attackModel(
  registry: Registry,
  loaded: LoadedModel,
  images: import('@advlab/data').ImageDataset,
  request: AttackRequest,
  signal: AbortSignal,
): Promise<AttackResponse> {
  const attack = resolveAttackConfig(request.attack, 'evaluate');
  checkTarget(attack, loaded.model.numClasses, 'attack');
  const gallerySize = request.gallerySize ?? DEFAULT_GALLERY_SIZE;
  if (!Number.isInteger(gallerySize) || gallerySize < 0 || gallerySize > 100) throw invalidArgument(`gallery_size must be in [0, 100], got ${gallerySize}`);
  const amplification = request.amplification ?? 10;
  if (!(amplification >= 1 && amplification <= 100)) throw invalidArgument(`amplification must be in [1, 100], got ${amplification}`);
  request.curveEpsilons.forEach((e, i) => {
    if (!(e >= 0 && e <= (attack.norm === Norm.NORM_L2 ? 64 : 1))) throw invalidArgument(`curve_epsilons[${i}] must be in [0, ${attack.norm === Norm.NORM_L2 ? 64 : 1}], got ${e}`);
  });
  if (request.curveEpsilons.length > 32) throw invalidArgument(`curve_epsilons may hold at most 32 values, got ${request.curveEpsilons.length}`);
  const classifier = classifierOf(loaded);
  const main = await attackDataset(classifier, images, attack, { seed: request.seed, signal });
  const curve = [];
  for (const epsilon of request.curveEpsilons) {
    // Same attack at another budget; the step size scales with it.
    const scaled: AttackConfig = { ...attack, epsilon, stepSize: Math.max(1e-6, ((attack.stepSize as number) * epsilon) / Math.max(1e-12, attack.epsilon as number)) };
    const point = await attackDataset(classifier, images, scaled, { seed: request.seed, signal });
    curve.push({ epsilon, accuracy: point.result.robustAccuracy });
  }
  const response = AttackResponse.fromPartial({ result: main.result, curve });
  if (gallerySize > 0 && images.count > 0) {
    const fgsmLike = attack.method !== AttackMethod.ATTACK_METHOD_PGD;
    const gallery = await buildGallery(classifier, images, {
      count: gallerySize,
      seed: request.seed,
      classNames: images.classNames,
      eps: attack.epsilon,
      norm: attack.norm === Norm.NORM_L2 ? 'l2' : 'linf',
      loss: attackLoss(attack.loss),
      signal,
      gain: amplification,
      // FGSM is one step of eps from the image; FGSM-RS one step of 1.25 eps from a random start.
      steps: fgsmLike ? 1 : attack.steps,
      stepSize: attack.method === AttackMethod.ATTACK_METHOD_FGSM ? attack.epsilon : attack.method === AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START ? 1.25 * (attack.epsilon as number) : attack.stepSize,
      randomStart: attack.method === AttackMethod.ATTACK_METHOD_FGSM ? false : attack.randomStart,
      restarts: fgsmLike ? 1 : attack.restarts,
      attackName: { [AttackMethod.ATTACK_METHOD_FGSM]: 'FGSM', [AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START]: 'FGSM-RS' }[attack.method as number] ?? 'PGD',
    });
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
    }));
    if (request.contactSheet ?? true) response.contactSheetPng = gallery.sheet;
  }
  recordEvaluations(registry, loaded.record, [main.result]);
  return response;
}

/** The adversarial config of a request with defaults: PGD-10 to train, PGD-20 to check, 256 images. */
export function resolveAdversarialConfig(adversarial: AdversarialConfig | undefined): AdversarialConfig {
  const attack = resolveAttackConfig(adversarial?.attack, 'train', 'adversarial.attack');
  if (attack.method !== AttackMethod.ATTACK_METHOD_PGD && attack.method !== AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START) {
    throw invalidArgument('adversarial.attack.method must be PGD or FGSM_RANDOM_START for adversarial training');
  }
  if (attack.norm !== Norm.NORM_LINF) throw invalidArgument('adversarial.attack.norm must be L-infinity for adversarial training');
  if (attack.targetClass !== undefined) throw invalidArgument('adversarial.attack.target_class is not supported for adversarial training');
  const evalAttack = resolveAttackConfig(
    { method: AttackMethod.ATTACK_METHOD_PGD, epsilon: attack.epsilon, stepSize: attack.stepSize, ...adversarial?.evalAttack },
    'evaluate',
    'adversarial.eval_attack',
  );
  const evalImages = adversarial?.evalImages ?? 256;
  if (!Number.isInteger(evalImages) || evalImages < 1 || evalImages > 10000) throw invalidArgument(`adversarial.eval_images must be in [1, 10000], got ${evalImages}`);
  return { attack, evalAttack, evalImages };
}

/**
 * Adversarial training as a training variant: the model lib's loop with every
 * batch replaced by its adversarial version, robust accuracy checked each
 * epoch on a fixed validation subset (which picks the best checkpoint).
 */
export function adversarialVariant(config: AdversarialConfig): TrainingVariant {
  const attack = config.attack as AttackConfig;
  const evalAttack = config.evalAttack as AttackConfig;
  return {
    kind: RunKind.RUN_KIND_ADVERSARIAL_TRAIN,
    train: (model, data, trainConfig, hooks) =>
      adversarialTrain(
        model,
        data,
        {
          ...trainConfig,
          attack: attack.method === AttackMethod.ATTACK_METHOD_FGSM_RANDOM_START ? 'fgsm-rs' : 'pgd',
          eps: attack.epsilon,
          stepSize: attack.stepSize,
          steps: attack.steps,
          robustImages: config.evalImages,
          robustSteps: evalAttack.steps,
        },
        hooks,
      ),
  };
}
