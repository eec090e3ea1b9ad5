import { AttackMethod, RunKind, type AdversarialConfig, type AttackConfig } from '@advlab/contract';
import { adversarialTrain } from '@advlab/attacks';
import type { TrainingVariant } from './training';

/**
 * Adversarial training as a training variant: the attacks lib's loop, every batch replaced by
 * its adversarial version, robust accuracy checked each epoch on a fixed validation subset.
 * `config` is resolved (`resolveAdversarialConfig`): PGD or FGSM-RS, L-infinity.
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
