import { ATTACK_FIELDS, TRAINING_FIELDS } from '@advlab/config';
import { FORM_DEFAULTS, galleryRequestSchema, fieldErrors, importDatasetRequestSchema, formatAge, formatDuration, formatEpsilon, formatPercent, formatShortDateTime, newRunRequestSchema, liveAttackRequestSchema, runDurationMs, SSEParser } from './index';

/** Field errors of a failed parse (none when it succeeded). */
const errorsOf = (result: { success: boolean; error?: Parameters<typeof fieldErrors>[0] }) => (result.error ? fieldErrors(result.error) : {});

const trainBody = (overrides: Record<string, unknown> = {}) => ({
  kind: 'train',
  name: '',
  datasetId: 'fashion-mnist-mini',
  model: { featureMaps: '8, 16', dropRate: '0.2', batchNorm: true, useSkip: true },
  training: {
    epochs: '2',
    batchSize: '64',
    learningRate: '0.001',
    seed: '1234',
    validationFraction: '0.1',
    lrSchedule: 'constant',
    loss: 'ce',
    mix: 'mixup',
    mixAlpha: '0.4',
    horizontalFlip: true,
    colorJitter: '0.2',
  },
  ...overrides,
});

describe('new-run schema', () => {
  it('parses form text into typed values', () => {
    const parsed = newRunRequestSchema.parse(trainBody());
    expect(parsed).toMatchObject({ kind: 'train', model: { featureMaps: [8, 16], dropRate: 0.2 }, training: { epochs: 2, learningRate: 0.001, mix: 'mixup', mixAlpha: 0.4 } });
  });

  it('names every bad field with a message that says what to enter', () => {
    const result = newRunRequestSchema.safeParse(
      trainBody({ datasetId: '', model: { featureMaps: '8, 0', dropRate: '1.5', batchNorm: true, useSkip: true }, training: { ...trainBody().training, epochs: '0', learningRate: 'fast' } }),
    );
    expect(result.success).toBe(false);
    const errors = errorsOf(result);
    expect(errors).toMatchObject({
      datasetId: 'Choose a dataset',
      'model.featureMaps.1': 'Feature maps must be at least 1',
      'model.dropRate': 'Dropout must be below 1',
      'training.epochs': 'Epochs must be at least 1',
      'training.learningRate': 'Learning rate must be a number',
    });
  });

  it('takes its ranges and defaults from the config tables the server checks against', () => {
    // One block is a model the server trains; steps go to the table's 1000, not a form's own cap.
    expect(newRunRequestSchema.parse(trainBody({ model: { ...trainBody().model, featureMaps: '8' } }))).toMatchObject({ model: { featureMaps: [8] } });
    expect(errorsOf(newRunRequestSchema.safeParse(trainBody({ model: { ...trainBody().model, featureMaps: '' } })))['model.featureMaps']).toBe('Enter at least one channel count, e.g. 8, 16');
    const attack = { modelId: 'm', method: 'pgd', epsilon255: '8', stepSize255: '0.51', seed: '1' };
    expect(galleryRequestSchema.safeParse({ ...attack, steps: String(ATTACK_FIELDS.evaluationSteps.max) }).success).toBe(true);
    expect(errorsOf(galleryRequestSchema.safeParse({ ...attack, steps: String(ATTACK_FIELDS.evaluationSteps.max + 1) })).steps).toBe(`Steps must be at most ${ATTACK_FIELDS.evaluationSteps.max}`);
    // The forms open on the server's defaults, budgets in 255ths: the notebook's 8/255, step 0.002, 20 and 10 steps.
    expect(FORM_DEFAULTS).toMatchObject({ epsilon255: '8', stepSize255: '0.51', evaluationSteps: '20', trainingSteps: '10' });
    expect(Number(FORM_DEFAULTS.learningRate)).toBe(TRAINING_FIELDS.learningRate.default);
    expect(Number(FORM_DEFAULTS.epsilon255) / 255).toBeCloseTo(ATTACK_FIELDS.epsilonLinf.default as number, 6);
  });

  it('checks adversarial budgets in /255 units', () => {
    const body = { ...trainBody({ kind: 'adversarial' }), baseModelId: '', adversarial: { method: 'pgd', epsilon255: '8', steps: '10', stepSize255: '40', evalImages: '256' } };
    const errors = errorsOf(newRunRequestSchema.safeParse(body));
    expect(errors['adversarial.stepSize255']).toMatch(/far larger than epsilon/);
    const ok = newRunRequestSchema.parse({ ...body, adversarial: { ...body.adversarial, stepSize255: '2' } });
    expect(ok.kind === 'adversarial' && ok.adversarial.epsilon255).toBe(8);
  });

  it('turns sweep axes into JSON values and caps the grid', () => {
    const sweep = (axes: unknown) => ({ ...trainBody({ kind: 'sweep' }), axes, rankBy: 'val' });
    const parsed = newRunRequestSchema.parse(sweep([{ path: 'model.feature_maps', values: '[[8,16],[16,32]]' }]));
    expect(parsed.kind === 'sweep' && parsed.axes[0].values).toEqual(['[8,16]', '[16,32]']);
    const bad = errorsOf(newRunRequestSchema.safeParse(sweep([{ path: 'lr', values: 'fast' }])));
    expect(bad['axes.0.path']).toMatch(/dotted config path/);
    expect(bad['axes.0.values']).toMatch(/JSON array/);
    const many = Array.from({ length: 300 }, (_, i) => i);
    expect(errorsOf(newRunRequestSchema.safeParse(sweep([{ path: 'training.seed', values: JSON.stringify(many) }])))['axes']).toBe('The grid has 300 trials; at most 256 are allowed');
  });

  it('accepts a live attack on a dataset image or an upload', () => {
    const base = { modelId: 'mdl-1', method: 'pgd', epsilon255: '8', steps: '20', stepSize255: '1' };
    expect(liveAttackRequestSchema.parse({ ...base, source: { type: 'dataset', datasetId: 'd', index: '3' } }).source).toEqual({ type: 'dataset', datasetId: 'd', index: 3 });
    expect(errorsOf(liveAttackRequestSchema.safeParse({ ...base, source: { type: 'upload', base64: '' } }))['source.base64']).toBe('Choose an image file');
  });
});

describe('import schema', () => {
  it('trims, defaults the image size to 64 and drops a blank test folder', () => {
    expect(importDatasetRequestSchema.parse({ name: ' flowers ', folder: '/data/flowers', imageSize: '', testFolder: ' ' })).toEqual({ name: 'flowers', folder: '/data/flowers', imageSize: 64 });
    expect(importDatasetRequestSchema.parse({ name: 'f', folder: 'C:\\data\\f', imageSize: '32', testFolder: '/data/f-test' })).toEqual({ name: 'f', folder: 'C:\\data\\f', imageSize: 32, testFolder: '/data/f-test' });
  });

  it('explains each invalid field', () => {
    const result = importDatasetRequestSchema.safeParse({ name: 'my flowers', folder: 'x'.repeat(4097), imageSize: '600', testFolder: 'test' });
    expect(result.success).toBe(false);
    if (result.success) return;
    expect(fieldErrors(result.error)).toEqual({
      name: 'Use letters, digits, dots, dashes and underscores only',
      folder: 'The folder path is too long',
      imageSize: 'Image size must be at most 512',
    });
    // A relative folder is the server's to resolve, against its import roots.
    expect(importDatasetRequestSchema.parse({ name: 'f', folder: 'flowers/train', testFolder: 'flowers/test' })).toMatchObject({ folder: 'flowers/train', testFolder: 'flowers/test' });
    const empty = importDatasetRequestSchema.safeParse({ name: '', folder: '', imageSize: '7' });
    expect(empty.error && fieldErrors(empty.error)).toEqual({
      name: 'Enter a name',
      folder: 'Enter the folder path',
      imageSize: 'Image size must be at least 8',
    });
    expect(importDatasetRequestSchema.safeParse({ name: 'x'.repeat(65), folder: '/d' }).success).toBe(false);
  });
});

describe('formatting', () => {
  it('formats numbers for people and dashes for missing values', () => {
    expect(formatPercent(0.9123)).toBe('91.2%');
    expect(formatPercent(null)).toBe('—');
    expect(formatDuration(900)).toBe('0.9s');
    expect(formatDuration(65_000)).toBe('1m 05s');
    expect(formatDuration(3_723_000)).toBe('1h 02m');
    expect(formatEpsilon(8 / 255)).toBe('8/255');
    // Not rounded to a whole 255th: the notebook's 0.0313 is a little under 8/255, and says so.
    expect(formatEpsilon(0.0313)).toBe('7.98/255');
    expect(formatEpsilon(0)).toBe('0/255');
    expect(formatShortDateTime('2026-11-29T09:12:00Z')).toBe('29 Nov, 09:12');
  });

  it('measures a run from start to end, or to now while it runs', () => {
    expect(runDurationMs({ startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:01:00Z', status: 'succeeded' })).toBe(60_000);
    expect(runDurationMs({ startedAt: '2026-01-01T00:00:00Z', finishedAt: null, status: 'running' }, Date.parse('2026-01-01T00:00:30Z'))).toBe(30_000);
    expect(runDurationMs({ startedAt: null, finishedAt: null, status: 'queued' })).toBeNull();
  });

  it('says how long ago a heartbeat was', () => {
    const now = Date.parse('2026-12-01T10:00:00Z');
    expect(formatAge('2026-12-01T09:59:57.600Z', now)).toBe('2s ago');
    expect(formatAge('2026-12-01T09:58:25Z', now)).toBe('1m 35s ago');
    expect(formatAge('2026-12-01T10:00:01Z', now)).toBe('0s ago');
    expect(formatAge(null, now)).toBe('—');
  });
});

describe('SSEParser', () => {
  it('assembles events split across chunks and skips comments', () => {
    const parser = new SSEParser();
    expect(parser.push(': keep-alive\n\nevent: frame\nid: 1\ndata: {"a"')).toEqual([]);
    expect(parser.push(':1}\n\ndata: x\r\ndata: y\r\n\r\n')).toEqual([
      { event: 'frame', id: '1', data: '{"a":1}' },
      { event: 'message', id: undefined, data: 'x\ny' },
    ]);
  });
});
