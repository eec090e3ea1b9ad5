'use client';

import { useRouter } from 'next/navigation';
import { useTransition } from 'react';
import { Button } from '@advlab/dashboard-ui';

/** Re-renders the current page's server components with fresh data. */
export function RefreshButton({ label = 'Refresh' }: { label?: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <Button
      variant="secondary"
      size="sm"
      aria-busy={pending}
      aria-disabled={pending}
      onClick={() => {
        if (!pending) startTransition(() => router.refresh());
      }}
    >
      <svg aria-hidden="true" viewBox="0 0 16 16" className={pending ? 'size-3.5 animate-spin' : 'size-3.5'} fill="none" stroke="currentColor" strokeWidth="1.6">
        <path d="M13.5 8a5.5 5.5 0 1 1-1.6-3.9M13.5 2.5v3h-3" strokeLinecap="round" strokeLinejoin="round" />
      </svg>
      {pending ? 'Checking…' : label}
    </Button>
  );
}
