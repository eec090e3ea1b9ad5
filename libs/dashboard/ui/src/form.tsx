import type { ComponentProps, ReactNode } from 'react';
import { cn } from './cn';

const control =
  'block w-full rounded-lg border bg-white px-3 py-1.5 text-sm text-neutral-900 shadow-xs transition-colors placeholder:text-neutral-400 focus-visible:outline-2 focus-visible:outline-offset-1 focus-visible:outline-neutral-900 disabled:bg-neutral-50 disabled:text-neutral-500';

export interface FieldProps {
  /** Input id; the label, hint and error point at it. */
  id: string;
  label: ReactNode;
  hint?: ReactNode;
  error?: string;
  className?: string;
  children: ReactNode;
}

/** A label, a control, an optional hint and the field's error message. */
export function Field({ id, label, hint, error, className, children }: FieldProps) {
  return (
    <div className={cn('flex min-w-0 flex-col gap-1', className)}>
      <label htmlFor={id} className="text-sm font-medium text-neutral-800">
        {label}
      </label>
      {children}
      {error ? (
        <p id={`${id}-error`} className="text-xs text-red-700">
          {error}
        </p>
      ) : hint ? (
        <p id={`${id}-hint`} className="text-xs text-neutral-500">
          {hint}
        </p>
      ) : null}
    </div>
  );
}

/** aria attributes linking a control to its Field's hint or error. */
export function fieldAria(id: string, error?: string, hint?: boolean) {
  return {
    id,
    'aria-invalid': error ? true : undefined,
    'aria-describedby': error ? `${id}-error` : hint ? `${id}-hint` : undefined,
  } as const;
}

export function Input({ className, ...props }: ComponentProps<'input'>) {
  return <input className={cn(control, props['aria-invalid'] ? 'border-red-400' : 'border-neutral-300', className)} {...props} />;
}

export function Select({ className, ...props }: ComponentProps<'select'>) {
  return <select className={cn(control, 'pr-8', props['aria-invalid'] ? 'border-red-400' : 'border-neutral-300', className)} {...props} />;
}

export function Checkbox({ label, className, ...props }: ComponentProps<'input'> & { label: ReactNode }) {
  return (
    <label className={cn('inline-flex items-center gap-2 text-sm text-neutral-800', className)}>
      <input type="checkbox" className="size-4 rounded border-neutral-300 accent-neutral-900" {...props} />
      {label}
    </label>
  );
}

/** A titled group of fields. */
export function Fieldset({ legend, description, className, children }: { legend: ReactNode; description?: ReactNode; className?: string; children: ReactNode }) {
  return (
    <fieldset className={cn('rounded-xl border border-neutral-200 bg-white p-5 shadow-xs', className)}>
      <legend className="px-1 text-sm font-semibold text-neutral-900">{legend}</legend>
      {description ? <p className="mb-4 text-sm text-neutral-500">{description}</p> : null}
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3">{children}</div>
    </fieldset>
  );
}
