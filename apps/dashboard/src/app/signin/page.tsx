import Link from 'next/link';
import { safeNextPath, tokenModeEnabled } from '@advlab/dashboard-data-access/security';
import { EmptyState, buttonVariants } from '@advlab/dashboard-ui';
import { PageHeader } from '../../components/page-header';
import { SignInForm } from '../../components/sign-in-form';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Sign in' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const next = safeNextPath((await searchParams)['next']);
  if (!tokenModeEnabled()) {
    return (
      <EmptyState
        title="No sign-in needed"
        description="This dashboard runs without ADVLAB_TOKEN, so it asks for no token."
        action={
          <Link href={next} className={buttonVariants({ variant: 'secondary' })}>
            Continue
          </Link>
        }
      />
    );
  }
  return (
    <>
      <PageHeader title="Sign in" description="This dashboard is protected by its access token (ADVLAB_TOKEN). Enter it once; the browser then keeps a session cookie until you sign out or the token changes." />
      <SignInForm next={next} />
    </>
  );
}
