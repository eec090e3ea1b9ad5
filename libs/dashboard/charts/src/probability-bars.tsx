import { cn } from '@advlab/dashboard-ui';

export interface ProbabilityBarsProps {
  items: readonly { label: string; probability: number; highlight?: 'true' | 'predicted' | 'both' }[];
  /** Rows always drawn, so the block keeps its height while k items arrive. */
  rows?: number;
  className?: string;
}

/** Horizontal probability bars with the value printed; widths animate as frames arrive. */
export function ProbabilityBars({ items, rows = items.length, className }: ProbabilityBarsProps) {
  const padded = [...items, ...Array.from({ length: Math.max(0, rows - items.length) }, () => null)];
  return (
    <ol className={cn('flex flex-col gap-1.5', className)} aria-label="Top classes by probability">
      {padded.map((item, i) =>
        item ? (
          <li key={i} className="grid grid-cols-[7rem_1fr_3.5rem] items-center gap-2 text-sm" data-label={item.label}>
            <span className={cn('truncate', item.highlight ? 'font-semibold text-neutral-900' : 'text-neutral-700')}>
              {item.label}
              {item.highlight === 'true' || item.highlight === 'both' ? <span className="sr-only"> (true class)</span> : null}
            </span>
            <span className="h-3 overflow-hidden rounded-full bg-neutral-100">
              <span
                className={cn(
                  'block h-full rounded-full transition-[width] duration-200 ease-out',
                  item.highlight === 'true' || item.highlight === 'both' ? 'bg-emerald-600' : i === 0 ? 'bg-red-500' : 'bg-neutral-400',
                )}
                style={{ width: `${Math.max(0, Math.min(1, item.probability)) * 100}%` }}
              />
            </span>
            <span className="text-right text-neutral-600 tabular-nums">{(item.probability * 100).toFixed(1)}%</span>
          </li>
        ) : (
          <li key={i} aria-hidden="true" className="h-5" />
        ),
      )}
    </ol>
  );
}
