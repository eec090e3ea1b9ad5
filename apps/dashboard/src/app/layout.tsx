import type { Metadata } from 'next';
import type { ReactNode } from 'react';
import Link from 'next/link';
import { headers } from 'next/headers';
import { hasSession, tokenModeEnabled } from '@advlab/dashboard-data-access/security';
import { NavLinks } from '../components/nav-links';
import { SignOutButton } from '../components/sign-out-button';
import { NAV_ITEMS } from '../navigation';
import './globals.css';

export const metadata: Metadata = {
  title: { default: 'advlab', template: '%s · advlab' },
  description: 'Train image classifiers and test their adversarial robustness.',
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const signedIn = tokenModeEnabled() && hasSession(await headers());
  return (
    <html lang="en">
      <body className="min-h-screen bg-neutral-50 font-sans text-neutral-900 antialiased">
        <a
          href="#main"
          className="sr-only rounded-md bg-white px-3 py-2 text-sm shadow focus:not-sr-only focus:fixed focus:top-3 focus:left-3 focus:z-50"
        >
          Skip to content
        </a>
        <div className="flex min-h-screen flex-col md:flex-row">
          <aside className="border-b border-neutral-200 bg-white md:sticky md:top-0 md:h-screen md:w-60 md:shrink-0 md:border-r md:border-b-0">
            <header className="px-6 pt-5 pb-4">
              <Link
                href="/"
                className="rounded-sm text-lg font-semibold tracking-tight text-neutral-900 focus-visible:outline-2 focus-visible:outline-offset-2 focus-visible:outline-neutral-900"
              >
                advlab
              </Link>
              <p className="mt-0.5 text-xs text-neutral-500">Adversarial robustness lab</p>
            </header>
            <NavLinks items={NAV_ITEMS} />
            {signedIn ? (
              <div className="px-3 pb-3 md:pt-3">
                <SignOutButton />
              </div>
            ) : null}
          </aside>
          <main id="main" className="min-w-0 flex-1 px-6 py-8 md:px-10 md:py-10">
            <div className="mx-auto max-w-5xl">{children}</div>
          </main>
        </div>
      </body>
    </html>
  );
}
