/** View fixtures for the dashboard's component tests. Never imported by production code. */
import type { AttackFrameView, DatasetView, EpochView, EvaluationView, GalleryItemView, ModelView, PredictionView, RobustView, RunView, SampleView, TrialView } from './views';

/** A 1x1 PNG as a data URL. */
export const PNG_1PX = 'data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=';

export function epochFixture(epoch: number, overrides: Partial<EpochView> = {}): EpochView {
  return {
    epoch,
    trainLoss: 2 / epoch,
    trainAccuracy: 0.3 + 0.1 * epoch,
    valLoss: 1.8 / epoch,
    valAccuracy: 0.35 + 0.1 * epoch,
    robustValAccuracy: null,
    learningRate: 0.001,
    seconds: 12,
    imagesPerSecond: 300,
    ...overrides,
  };
}

export function runFixture(overrides: Partial<RunView> = {}): RunView {
  return {
    id: 'run-1',
    name: 'train [8,16]',
    kind: 'train',
    status: 'succeeded',
    datasetId: 'fashion-mnist-mini',
    datasetName: 'Fashion-MNIST (mini)',
    model: { featureMaps: [8, 16], dropRate: 0.2, batchNorm: true, useSkip: true, imageSize: 28, classNames: ['a', 'b'] },
    training: {
      epochs: 2,
      batchSize: 64,
      learningRate: 0.001,
      seed: 1234,
      loss: 'ce',
      mix: 'none',
      mixAlpha: null,
      horizontalFlip: true,
      colorJitter: 0.2,
      lrSchedule: 'constant',
      validationFraction: 0.1,
      weightDecay: 0,
      earlyStoppingPatience: 0,
    },
    adversarial: null,
    sweep: null,
    baseModelId: '',
    parentRunId: '',
    history: [epochFixture(1), epochFixture(2)],
    bestValAccuracy: 0.55,
    bestRobustAccuracy: null,
    modelId: 'mdl-1',
    error: '',
    backend: 'wasm',
    createdAt: '2026-11-29T09:00:00.000Z',
    startedAt: '2026-11-29T09:00:01.000Z',
    finishedAt: '2026-11-29T09:01:06.000Z',
    trials: [],
    ...overrides,
  };
}

export function predictionFixture(classIndex: number, label: string, confidence: number): PredictionView {
  return { classIndex, label, confidence, topK: [{ classIndex, label, probability: confidence }] };
}

export function robustFixture(method: 'fgsm' | 'pgd' | 'autoattack', robustAccuracy: number, overrides: Partial<RobustView> = {}): RobustView {
  return {
    attack: {
      method,
      norm: 'linf',
      epsilon: 8 / 255,
      stepSize: 2 / 255,
      steps: method === 'pgd' ? 10 : 1,
      randomStart: method === 'pgd',
      restarts: 1,
      ...(method === 'autoattack' ? { version: 'fast' as const } : {}),
    },
    epsilonLabel: '8/255',
    numImages: 200,
    cleanAccuracy: 0.8,
    robustAccuracy,
    attackSuccessRate: 1 - robustAccuracy / 0.8,
    meanLoss: 2,
    sanity: { maxPerturbation: 8 / 255, withinBudget: true, minPixel: 0, maxPixel: 1, eps0Accuracy: 0.8, eps0MatchesClean: true },
    seconds: 3,
    ...overrides,
  };
}

export function modelFixture(overrides: Partial<ModelView> = {}): ModelView {
  return {
    id: 'mdl-1',
    name: 'train [8,16]',
    runId: 'run-1',
    datasetId: 'fashion-mnist-mini',
    config: { featureMaps: [8, 16], dropRate: 0.2, batchNorm: true, useSkip: true, imageSize: 28, classNames: ['T-shirt', 'Trouser', 'Pullover'] },
    adversarial: false,
    numParameters: 4106,
    valAccuracy: 0.8,
    robustAccuracy: null,
    epoch: 2,
    sizeBytes: 20_000,
    createdAt: '2026-11-29T09:01:06.000Z',
    evaluations: [],
    ...overrides,
  };
}

export function galleryItemFixture(index: number, success: boolean): GalleryItemView {
  return {
    index,
    trueClass: 0,
    trueLabel: 'T-shirt',
    clean: predictionFixture(0, 'T-shirt', 0.9),
    adversarial: success ? predictionFixture(1, 'Trouser', 0.6) : predictionFixture(0, 'T-shirt', 0.7),
    cleanPng: PNG_1PX,
    adversarialPng: PNG_1PX,
    perturbationPng: PNG_1PX,
    maxPerturbation: 8 / 255,
    success,
  };
}

export function frameFixture(step: number, overrides: Partial<AttackFrameView> = {}): AttackFrameView {
  return {
    step,
    totalSteps: 10,
    imagePng: PNG_1PX,
    perturbationPng: PNG_1PX,
    prediction: { classIndex: 0, label: 'T-shirt', confidence: 0.9 - step * 0.05, topK: [{ classIndex: 0, label: 'T-shirt', probability: 0.9 - step * 0.05 }, { classIndex: 1, label: 'Trouser', probability: 0.05 + step * 0.05 }] },
    loss: 0.1 + step * 0.2,
    maxPerturbation: Math.min(step, 8) / 255,
    success: false,
    trueClass: 0,
    ...overrides,
  };
}

export function datasetFixture(overrides: Partial<DatasetView> = {}): DatasetView {
  return {
    id: 'toy',
    name: 'toy',
    source: '/data/toy',
    imageSize: 16,
    classNames: ['blue', 'green', 'red'],
    trainCounts: [20, 20, 19],
    testCounts: [],
    skipped: [{ path: 'red/broken.png', reason: 'corrupt' }],
    createdAt: '2026-11-29T09:00:00.000Z',
    builtin: false,
    ...overrides,
  };
}

export function sampleFixture(index: number, label: string, weights: SampleView['weights'] = []): SampleView {
  return { index, png: PNG_1PX, classIndex: 0, label, weights };
}

export function evaluationFixture(): EvaluationView {
  return {
    modelId: 'mdl-1',
    numImages: 30,
    loss: 0.5,
    accuracy: 0.8,
    perClass: [
      { classIndex: 0, label: 'cat', accuracy: 0.9, support: 10 },
      { classIndex: 1, label: 'dog', accuracy: 0.8, support: 10 },
      { classIndex: 2, label: 'fox', accuracy: 0.7, support: 10 },
    ],
    confusion: { labels: ['cat', 'dog', 'fox'], counts: [[9, 1, 0], [1, 8, 1], [0, 3, 7]] },
    robust: [],
    worstCaseAccuracy: 0.8,
    seconds: 1,
  };
}

export function trialFixture(index: number, valAccuracy: number, rank: number, overrides: Partial<TrialView> = {}): TrialView {
  return {
    index,
    total: 2,
    overrides: { 'training.learning_rate': index === 0 ? '0.001' : '0.0005' },
    runId: `run-t${index}`,
    modelId: `mdl-t${index}`,
    status: 'succeeded',
    valAccuracy,
    trainAccuracy: valAccuracy - 0.05,
    valLoss: 1,
    robustAccuracy: null,
    rank,
    seconds: 9,
    ...overrides,
  };
}
