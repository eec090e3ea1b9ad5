'use client';

import { useRouter } from 'next/navigation';
import { useEffect } from 'react';

/** Re-renders the page's server components every `intervalMs` while `active`. */
export function AutoRefresh({ active, intervalMs = 2000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => router.refresh(), intervalMs);
    return () => clearInterval(timer);
  }, [active, intervalMs, router]);
  return (
    <span className="inline-flex items-center gap-1.5 text-xs text-neutral-500" aria-live="polite">
      <span aria-hidden="true" className={active ? 'size-2 animate-pulse rounded-full bg-sky-500' : 'size-2 rounded-full bg-neutral-300'} />
      {active ? 'Live: refreshing every few seconds' : 'Up to date'}
    </span>
  );
}
