import type { ReactNode } from 'react';
import { cn } from './cn';

export interface ErrorStateProps {
  /** What could not be shown, e.g. "Runs could not be loaded". */
  title: ReactNode;
  /** The service's explanation. */
  message: string;
  /** gRPC status name, shown for people who report the problem. */
  code?: string;
  /** The service does not offer this RPC yet. */
  unimplemented?: boolean;
  /** The service did not answer at all. */
  unreachable?: boolean;
  action?: ReactNode;
  className?: string;
}

/** A failed load or action, with what to do about it. Announced to screen readers. */
export function ErrorState({ title, message, code, unimplemented, unreachable, action, className }: ErrorStateProps) {
  const hint = unimplemented
    ? 'This server does not offer this feature yet. Update the service, then try again.'
    : unreachable
      ? 'The service did not answer. Is it running? The Health page shows its address.'
      : null;
  return (
    <div
      role="alert"
      data-error-code={code}
      className={cn('rounded-xl border px-5 py-4 text-sm', unimplemented ? 'border-amber-200 bg-amber-50' : 'border-red-200 bg-red-50', className)}
    >
      <p className={cn('font-medium', unimplemented ? 'text-amber-900' : 'text-red-900')}>
        {unimplemented ? 'Not available yet: ' : null}
        {title}
      </p>
      {hint ? <p className={cn('mt-1', unimplemented ? 'text-amber-800' : 'text-red-800')}>{hint}</p> : null}
      <p className={cn('mt-2 font-mono text-xs break-words', unimplemented ? 'text-amber-800' : 'text-red-700')}>
        {code ? `${code}: ` : null}
        {message}
      </p>
      {action ? <div className="mt-3">{action}</div> : null}
    </div>
  );
}
