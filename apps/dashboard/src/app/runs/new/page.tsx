import { NewRunPage } from '@advlab/dashboard-feature-new-run';
import { PageHeader } from '../../../components/page-header';
import { navItem } from '../../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'New run' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { kind } = await searchParams;
  return (
    <>
      <PageHeader title="New run" description={navItem('/runs/new').description} />
      <NewRunPage kind={typeof kind === 'string' ? kind : undefined} />
    </>
  );
}
