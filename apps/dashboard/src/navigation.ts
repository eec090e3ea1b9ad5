export interface NavItem {
  href: string;
  label: string;
  /** What the page shows, in one sentence. */
  description: string;
  /** False until the page is built; the shell then shows what it will hold. */
  available: boolean;
}

export const NAV_ITEMS: readonly NavItem[] = [
  { href: '/', label: 'Health', description: 'Whether the trainer and the attack server answer their gRPC health checks.', available: true },
  {
    href: '/workers',
    label: 'Workers',
    description: "The trainer's processes (the api and its workers, or the one trainer of a single machine): role, state, backend, the runs each executes now and its last heartbeat, refreshed live.",
    available: true,
  },
  { href: '/runs', label: 'Runs', description: 'Every training run with its status, key configuration, best accuracies and duration, refreshed live.', available: true },
  { href: '/runs/new', label: 'New run', description: 'Start a training run, an adversarial training run or a sweep from a validated form.', available: true },
  { href: '/gallery', label: 'Gallery', description: 'Clean, adversarial and amplified-perturbation images for a model and an attack, with predictions.', available: true },
  { href: '/live', label: 'Live attack', description: 'Watch a PGD attack change an image step by step, with the top-k probabilities and the loss.', available: true },
  { href: '/datasets', label: 'Datasets', description: 'Classes, counts, sample images and previews of augmentation.', available: true },
  { href: '/models', label: 'Models', description: 'Trained models with their clean and robust accuracies side by side.', available: true },
  { href: '/sweeps', label: 'Sweeps', description: 'Results of configuration sweeps as tables and charts.', available: true },
  {
    href: '/studies',
    label: 'Studies',
    description: "The notebook's whole study per run (tuning, Mixup / CutMix / OVA, PGD-20, adversarial training, submission) and its report, filled in as the stages finish.",
    available: true,
  },
];

/** The nav item for `pathname`: the one whose href is the longest prefix of it. */
export function activeNavHref(pathname: string, items: readonly NavItem[] = NAV_ITEMS): string | undefined {
  let best: NavItem | undefined;
  for (const item of items) {
    const matches = item.href === '/' ? pathname === '/' : pathname === item.href || pathname.startsWith(`${item.href}/`);
    if (matches && (!best || item.href.length > best.href.length)) best = item;
  }
  return best?.href;
}

export function navItem(href: string): NavItem {
  const item = NAV_ITEMS.find((candidate) => candidate.href === href);
  if (!item) throw new Error(`No navigation item for ${href}`);
  return item;
}
