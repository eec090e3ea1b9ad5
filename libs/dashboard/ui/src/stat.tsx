import type { ReactNode } from 'react';
import { cn } from './cn';

/** A key figure: a small label over a large value. */
export function Stat({ label, value, hint, className }: { label: ReactNode; value: ReactNode; hint?: ReactNode; className?: string }) {
  return (
    <div className={cn('rounded-xl border border-neutral-200 bg-white px-4 py-3 shadow-xs', className)}>
      <dt className="text-xs font-medium tracking-wide text-neutral-500 uppercase">{label}</dt>
      <dd className="mt-1 text-xl font-semibold text-neutral-900 tabular-nums">{value}</dd>
      {hint ? <dd className="mt-0.5 text-xs text-neutral-500">{hint}</dd> : null}
    </div>
  );
}
