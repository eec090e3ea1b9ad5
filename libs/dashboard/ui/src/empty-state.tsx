import type { ComponentProps, ReactNode } from 'react';
import { cn } from './cn';

export type EmptyStateProps = Omit<ComponentProps<'div'>, 'title'> & {
  title: ReactNode;
  description?: ReactNode;
  action?: ReactNode;
};

/** A calm, centred message for a view with nothing to show yet. */
export function EmptyState({ title, description, action, className, ...props }: EmptyStateProps) {
  return (
    <div
      className={cn('flex flex-col items-center justify-center gap-2 rounded-xl border border-dashed border-neutral-300 px-6 py-16 text-center', className)}
      {...props}
    >
      <p className="text-base font-medium text-neutral-900">{title}</p>
      {description ? <p className="max-w-md text-sm text-neutral-500">{description}</p> : null}
      {action ? <div className="mt-3">{action}</div> : null}
    </div>
  );
}
