import type { SampleView } from '@advlab/dashboard-util';
import { cn } from '@advlab/dashboard-ui';
import { mixingCaption } from './dataset-stats';

/** Images with their labels (and mixing weights for Mixup / CutMix), like the notebook's first figure. */
export function SampleGrid({ samples, className, label }: { samples: readonly SampleView[]; className?: string; label: string }) {
  return (
    <ul className={cn('grid grid-cols-4 gap-3 sm:grid-cols-6 lg:grid-cols-8', className)} aria-label={label}>
      {samples.map((sample, i) => (
        <li key={`${sample.index}-${i}`} data-testid="sample" className="flex min-w-0 flex-col gap-1">
          <img
            src={sample.png}
            alt={`${mixingCaption(sample)} (image ${sample.index})`}
            className="aspect-square w-full rounded-md border border-neutral-200 bg-neutral-100 object-contain"
            style={{ imageRendering: 'pixelated' }}
          />
          <span className="truncate text-center text-xs text-neutral-700" title={mixingCaption(sample)}>
            {sample.weights.length > 1 ? (
              <>
                {sample.weights.slice(0, 2).map((w) => (
                  <span key={w.classIndex} className="block truncate">
                    {w.label} <span className="text-neutral-500 tabular-nums">{w.weight.toFixed(2)}</span>
                  </span>
                ))}
              </>
            ) : (
              sample.label
            )}
          </span>
        </li>
      ))}
    </ul>
  );
}
