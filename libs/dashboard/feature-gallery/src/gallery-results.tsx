import type { GalleryView, RobustView } from '@advlab/dashboard-util';
import { formatCount, formatEpsilon, formatPercent } from '@advlab/dashboard-util';
import { EmptyState, LoadingBlock, Skeleton, Stat, StatusBadge } from '@advlab/dashboard-ui';
import { GalleryGrid } from './gallery-grid';

/** The two invariants every attack must keep, as pass/fail badges. */
export function SanityBadges({ result }: { result: RobustView }) {
  const s = result.sanity;
  if (!s) return <StatusBadge tone="neutral" label="No sanity checks reported" />;
  return (
    <ul className="flex flex-wrap gap-2" aria-label="Sanity checks">
      <li>
        <StatusBadge tone={s.eps0MatchesClean ? 'success' : 'danger'} label={`ε = 0 equals clean: ${s.eps0MatchesClean ? 'yes' : 'no'} (${formatPercent(s.eps0Accuracy)})`} data-check="eps0" data-pass={s.eps0MatchesClean} />
      </li>
      <li>
        <StatusBadge
          tone={s.withinBudget ? 'success' : 'danger'}
          label={`max |δ| ≤ ε: ${s.withinBudget ? 'yes' : 'no'} (${(s.maxPerturbation * 255).toFixed(2)} ≤ ${(result.attack.epsilon * 255).toFixed(2)} /255)`}
          data-check="budget"
          data-pass={s.withinBudget}
        />
      </li>
      <li>
        <StatusBadge tone={s.minPixel >= 0 && s.maxPixel <= 1 ? 'success' : 'danger'} label={`pixels in [0, 1]: ${s.minPixel.toFixed(2)}…${s.maxPixel.toFixed(2)}`} data-check="range" />
      </li>
    </ul>
  );
}

/** `PGD-20`, `APGD-CE-20`, `Square`, `AutoAttack (fast)`. */
export function attackName(a: RobustView['attack']): string {
  if (a.method === 'autoattack') return `AutoAttack (${a.version ?? 'standard'})`;
  if (a.method === 'square') return 'Square';
  const name = a.method.toUpperCase();
  return a.method === 'pgd' || a.method.startsWith('apgd') ? `${name}-${a.steps}` : name;
}

function GallerySummary({ gallery }: { gallery: GalleryView }) {
  const r = gallery.result;
  const fooled = gallery.items.filter((i) => i.success).length;
  return (
    <div className="flex flex-col gap-3">
      <dl className="grid grid-cols-2 gap-3 md:grid-cols-4">
        <Stat label="Clean accuracy" value={formatPercent(r?.cleanAccuracy)} hint={r ? `${formatCount(r.numImages)} images` : undefined} />
        <Stat label="Robust accuracy" value={formatPercent(r?.robustAccuracy)} hint={r ? `${attackName(r.attack)}, ε ${r.epsilonLabel || formatEpsilon(r.attack.epsilon)}` : undefined} />
        <Stat label="Attack success" value={formatPercent(r?.attackSuccessRate)} hint="of correctly classified images" />
        <Stat label="Fooled in gallery" value={`${fooled} / ${gallery.items.length}`} />
      </dl>
      {r ? <SanityBadges result={r} /> : null}
      {r?.cascade?.length ? (
        <p className="text-sm text-neutral-600" data-testid="cascade">
          {r.cascade.map((s) => `${s.attack} broke ${formatCount(s.broken)} (${formatPercent(s.robustAccuracy)} left)`).join(' → ')}
        </p>
      ) : null}
      {r?.warnings?.map((w) => (
        <p key={w} role="note" className="text-sm text-amber-700">
          {w}
        </p>
      ))}
    </div>
  );
}

/** An attack's outcome: the summary, the sanity badges and the 20 triples with the amplification slider. */
export function GalleryResults({ gallery }: { gallery: GalleryView }) {
  if (gallery.items.length === 0) return <EmptyState title="The gallery is empty" description="The server returned no examples for this model and attack." />;
  return (
    <section aria-label="Gallery" className="flex flex-col gap-5" data-testid="gallery">
      <GallerySummary gallery={gallery} />
      <GalleryGrid items={gallery.items} />
    </section>
  );
}

export function GallerySkeleton() {
  return (
    <LoadingBlock label="Attacking the model" className="gap-5">
      <div className="grid grid-cols-2 gap-3 md:grid-cols-4">
        {Array.from({ length: 4 }, (_, i) => (
          <Skeleton key={i} className="h-20" />
        ))}
      </div>
      <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-4">
        {Array.from({ length: 20 }, (_, i) => (
          <Skeleton key={i} className="h-52" />
        ))}
      </div>
    </LoadingBlock>
  );
}
