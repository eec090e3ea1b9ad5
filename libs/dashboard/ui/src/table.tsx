import type { ComponentProps } from 'react';
import { cn } from './cn';

/** A scrollable, bordered data table. */
export function Table({ className, ...props }: ComponentProps<'table'>) {
  return (
    <div className="overflow-x-auto rounded-xl border border-neutral-200 bg-white shadow-xs">
      <table className={cn('w-full border-collapse text-sm', className)} {...props} />
    </div>
  );
}

export function Th({ className, ...props }: ComponentProps<'th'>) {
  return <th className={cn('border-b border-neutral-200 bg-neutral-50 px-3 py-2 text-left text-xs font-medium tracking-wide whitespace-nowrap text-neutral-500 uppercase', className)} {...props} />;
}

export function Td({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cn('border-b border-neutral-100 px-3 py-2 align-middle text-neutral-800', className)} {...props} />;
}
