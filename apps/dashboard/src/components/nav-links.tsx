'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { cn } from '@advlab/dashboard-ui';
import { activeNavHref, type NavItem } from '../navigation';

export function NavLinks({ items }: { items: readonly NavItem[] }) {
  const active = activeNavHref(usePathname() ?? '/', items);
  return (
    <nav aria-label="Main">
      <ul className="flex gap-1 overflow-x-auto px-3 pb-3 md:flex-col md:overflow-visible md:px-3 md:pb-0">
        {items.map((item) => {
          const current = item.href === active;
          return (
            <li key={item.href} className="shrink-0">
              <Link
                href={item.href}
                aria-current={current ? 'page' : undefined}
                className={cn(
                  'flex items-center justify-between gap-3 rounded-lg px-3 py-2 text-sm transition-colors',
                  'focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-neutral-900',
                  current ? 'bg-neutral-900 font-medium text-white' : 'text-neutral-700 hover:bg-neutral-100 hover:text-neutral-900',
                )}
              >
                <span>{item.label}</span>
                {item.available ? null : (
                  <>
                    <span aria-hidden="true" className={cn('text-[0.65rem] tracking-wide uppercase', current ? 'text-neutral-300' : 'text-neutral-400')}>
                      soon
                    </span>
                    <span className="sr-only"> (not built yet)</span>
                  </>
                )}
              </Link>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
