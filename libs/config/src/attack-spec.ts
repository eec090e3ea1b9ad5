/**
 * An attack as advlab runs it, independent of the wire format: which algorithm, in which norm,
 * with which budget. Requests (`AttackConfig`) become one through `@advlab/config/resolve`; the
 * attacks lib runs one (`runAttackSpec`, `evaluateRobustness`).
 */

/** The attack algorithms of the attacks lib. */
export const ATTACK_NAMES = ['fgsm', 'fgsm-rs', 'pgd', 'apgd', 'apgd-t', 'square'] as const;
export type AttackName = (typeof ATTACK_NAMES)[number];

/** What an evaluation may run: one attack, or the AutoAttack ensemble. */
export type AttackKind = AttackName | 'autoattack';

/** The perturbation norm an attack is bounded in. */
export const NORMS = ['linf', 'l2'] as const;
export type Norm = (typeof NORMS)[number];

/** Losses an attack can climb. */
export const ATTACK_LOSS_NAMES = ['cross-entropy', 'ova', 'margin', 'dlr'] as const;
export type AttackLossName = (typeof ATTACK_LOSS_NAMES)[number];

/** The AutoAttack budgets. */
export const AUTOATTACK_VERSIONS = ['standard', 'fast'] as const;
export type AutoAttackVersion = (typeof AUTOATTACK_VERSIONS)[number];

/** One attack with its budget; pixel scale [0, 1]. */
export interface AttackSpec {
  readonly kind: AttackKind;
  readonly norm: Norm;
  readonly eps: number;
  /** Step size of the gradient attacks (FGSM steps eps, FGSM-RS 1.25 eps; APGD adapts it). */
  readonly stepSize: number;
  /** Iterations (queries for Square); 1 for FGSM. */
  readonly steps: number;
  readonly restarts: number;
  readonly randomStart: boolean;
  /** Targeted towards this class; undefined: untargeted. */
  readonly targetClass?: number;
  /** The loss climbed; undefined: the model's own. */
  readonly loss?: AttackLossName;
  /** For `autoattack`: which budget. */
  readonly autoAttack?: AutoAttackVersion;
  /** For `autoattack`: the Square member's queries; undefined: the version's. */
  readonly squareQueries?: number;
}

/** How people name an attack in reports: `PGD-20`, `FGSM`, `AutoAttack (fast)`. */
export function attackTitle(spec: Pick<AttackSpec, 'kind' | 'steps' | 'autoAttack'>): string {
  switch (spec.kind) {
    case 'fgsm':
      return 'FGSM';
    case 'fgsm-rs':
      return 'FGSM-RS';
    case 'pgd':
      return `PGD-${spec.steps}`;
    case 'apgd':
      return `APGD-${spec.steps}`;
    case 'apgd-t':
      return `APGD-T-${spec.steps}`;
    case 'square':
      return `Square-${spec.steps}`;
    case 'autoattack':
      return `AutoAttack (${spec.autoAttack ?? 'standard'})`;
  }
}
