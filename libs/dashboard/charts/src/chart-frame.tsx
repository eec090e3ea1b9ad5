'use client';

import type { ReactNode } from 'react';
import { cn } from '@advlab/dashboard-ui';
import { useElementWidth } from './use-element-width';

export interface ChartFrameProps {
  title: ReactNode;
  /** Accessible summary of what the chart shows. */
  description: string;
  /** Fixed plot height in px: the space is reserved before data arrives, so nothing jumps. */
  height?: number;
  /** Number of plotted points, exposed as data-points for tests and tools. */
  points: number;
  /** Shown in the reserved space when there is nothing to plot. */
  empty?: ReactNode;
  className?: string;
  actions?: ReactNode;
  children: (width: number, height: number) => ReactNode;
}

/** A titled box of fixed height that measures its width and draws a chart into it. */
export function ChartFrame({ title, description, height = 240, points, empty = 'No data yet', className, actions, children }: ChartFrameProps) {
  const [ref, width] = useElementWidth<HTMLDivElement>();
  return (
    <figure className={cn('flex min-w-0 flex-col gap-2 rounded-xl border border-neutral-200 bg-white p-4 shadow-xs', className)} data-points={points}>
      <figcaption className="flex items-center justify-between gap-3">
        <span className="text-sm font-semibold text-neutral-900">{title}</span>
        {actions}
      </figcaption>
      <div ref={ref} role="img" aria-label={description} className="relative w-full" style={{ height }}>
        {points === 0 ? (
          <div className="absolute inset-0 flex items-center justify-center rounded-lg bg-neutral-50 text-sm text-neutral-500">{empty}</div>
        ) : width > 0 ? (
          children(width, height)
        ) : null}
      </div>
    </figure>
  );
}
