import { cn } from '@advlab/dashboard-ui';

export interface ConfusionMatrixProps {
  labels: readonly string[];
  /** counts[true][predicted]. */
  counts: readonly (readonly number[])[];
  className?: string;
}

/** Row-normalised shares: each row (a true class) sums to 1; empty rows stay 0. */
export function normalizeRows(counts: readonly (readonly number[])[]): number[][] {
  return counts.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    return row.map((c) => (total > 0 ? c / total : 0));
  });
}

/** Background of a cell: white to deep blue with the row share; red tint off the diagonal. */
export function cellColor(share: number, diagonal: boolean): string {
  const alpha = Math.max(0, Math.min(1, share));
  return diagonal ? `rgba(0, 114, 178, ${(0.08 + 0.82 * alpha).toFixed(3)})` : `rgba(213, 94, 0, ${(alpha * 0.85).toFixed(3)})`;
}

/** A confusion-matrix heatmap as a table: rows are true classes, columns predictions. */
export function ConfusionMatrix({ labels, counts, className }: ConfusionMatrixProps) {
  const shares = normalizeRows(counts);
  return (
    <div className={cn('overflow-x-auto', className)}>
      <table className="border-separate border-spacing-0.5 text-xs tabular-nums" aria-label="Confusion matrix: rows are true classes, columns predicted classes">
        <thead>
          <tr>
            <th scope="col" className="px-2 py-1 text-left font-medium text-neutral-500">
              true \ predicted
            </th>
            {labels.map((label) => (
              <th key={label} scope="col" className="h-24 w-9 align-bottom font-medium text-neutral-600">
                <span className="inline-block max-w-24 origin-bottom-left translate-x-1/2 -rotate-60 truncate whitespace-nowrap">{label}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {counts.map((row, i) => (
            <tr key={labels[i] ?? i}>
              <th scope="row" className="max-w-36 truncate px-2 py-1 text-right font-medium whitespace-nowrap text-neutral-600">
                {labels[i]}
              </th>
              {row.map((count, j) => {
                const share = shares[i][j];
                return (
                  <td
                    key={j}
                    title={`${labels[i]} predicted as ${labels[j]}: ${count} (${(share * 100).toFixed(1)}%)`}
                    className={cn('size-9 rounded text-center', share > 0.55 ? 'text-white' : 'text-neutral-800', i === j && 'font-semibold')}
                    style={{ backgroundColor: cellColor(share, i === j) }}
                  >
                    {count}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
