import { RunsPage } from '@advlab/dashboard-feature-runs';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Runs' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return (
    <>
      <PageHeader title="Runs" description={navItem('/runs').description} />
      <RunsPage query={await searchParams} />
    </>
  );
}
