import type { EpochView, ModelView, RunView } from '@advlab/dashboard-util';

export interface RobustnessRow {
  [key: string]: string | number | null;
  model: string;
  clean: number;
  fgsm: number | null;
  pgd: number | null;
  autoattack: number | null;
}

/**
 * Clean, FGSM, PGD and AutoAttack accuracy per model from its stored evaluations (the latest of
 * each attack; AutoAttack's standard version when the model has both). Models without any
 * robust evaluation are left out.
 */
export function robustnessRows(models: readonly ModelView[]): RobustnessRow[] {
  const rows: RobustnessRow[] = [];
  for (const m of models) {
    const fgsm = m.evaluations.find((e) => e.attack.method === 'fgsm');
    const pgd = m.evaluations.find((e) => e.attack.method === 'pgd');
    const autoattacks = m.evaluations.filter((e) => e.attack.method === 'autoattack');
    const autoattack = autoattacks.find((e) => e.attack.version !== 'fast') ?? autoattacks[0];
    if (!fgsm && !pgd && !autoattack) continue;
    rows.push({
      model: m.name || m.id,
      clean: (fgsm ?? pgd ?? autoattack)?.cleanAccuracy ?? m.valAccuracy,
      fgsm: fgsm?.robustAccuracy ?? null,
      pgd: pgd?.robustAccuracy ?? null,
      autoattack: autoattack?.robustAccuracy ?? null,
    });
  }
  return rows;
}

export interface CompareRow {
  [key: string]: number | undefined;
  epoch: number;
  aVal?: number;
  bVal?: number;
  aLoss?: number;
  bLoss?: number;
}

/** Two runs' validation curves on one epoch axis. */
export function compareRows(a: readonly EpochView[], b: readonly EpochView[]): CompareRow[] {
  const byEpoch = new Map<number, CompareRow>();
  const row = (epoch: number): CompareRow => {
    let r = byEpoch.get(epoch);
    if (!r) byEpoch.set(epoch, (r = { epoch }));
    return r;
  };
  for (const e of a) Object.assign(row(e.epoch), { aVal: e.valAccuracy, aLoss: e.valLoss });
  for (const e of b) Object.assign(row(e.epoch), { bVal: e.valAccuracy, bLoss: e.valLoss });
  return [...byEpoch.values()].sort((x, y) => x.epoch - y.epoch);
}

export const runLabel = (run: Pick<RunView, 'name' | 'id'>) => run.name || run.id;
