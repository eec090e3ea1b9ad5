import { ADVERSARIAL_FIELDS, ATTACK_FIELDS, AUGMENTATION_FIELDS, MODEL_FIELDS, TRAINING_FIELDS } from '@advlab/config';

/** A pixel-scale value in the dashboard's unit, 255ths, as a form shows it: 8/255 -> "8", 0.002 -> "0.51". */
export function to255(value: number): string {
  return String(Number((value * 255).toFixed(2)));
}

/**
 * The config tables' defaults (`@advlab/config`) as the dashboard's forms show them: attack budgets
 * in 255ths, the notebook's evaluation and training attacks. Forms start from these, so a form
 * and the server agree on what "default" means.
 */
export const FORM_DEFAULTS = {
  dropRate: String(MODEL_FIELDS.dropRate.default),
  learningRate: String(TRAINING_FIELDS.learningRate.default),
  seed: String(TRAINING_FIELDS.seed.default),
  validationFraction: String(TRAINING_FIELDS.validationFraction.default),
  mixupAlpha: String(AUGMENTATION_FIELDS.mixupAlpha.default),
  colorJitter: String(AUGMENTATION_FIELDS.colorJitter.default),
  epsilon255: to255(ATTACK_FIELDS.epsilonLinf.default as number),
  stepSize255: to255(ATTACK_FIELDS.stepSizeLinf.default as number),
  evaluationSteps: String(ATTACK_FIELDS.evaluationSteps.default),
  trainingSteps: String(ATTACK_FIELDS.trainingSteps.default),
  evalImages: String(ADVERSARIAL_FIELDS.evalImages.default),
} as const;
