import type { ComponentProps, ReactNode } from 'react';
import { cn } from './cn';

/** A grey placeholder block with the size of what is loading. */
export function Skeleton({ className, ...props }: ComponentProps<'div'>) {
  return <div aria-hidden="true" className={cn('animate-pulse rounded-lg bg-neutral-200/70', className)} {...props} />;
}

/** A labelled region marked busy, for Suspense fallbacks. */
export function LoadingBlock({ label, className, children }: { label: string; className?: string; children?: ReactNode }) {
  return (
    <div role="status" aria-busy="true" aria-label={label} className={cn('flex flex-col gap-3', className)}>
      <span className="sr-only">{label}</span>
      {children ?? <Skeleton className="h-40 w-full" />}
    </div>
  );
}
