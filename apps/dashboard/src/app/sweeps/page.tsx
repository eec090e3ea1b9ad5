import { SweepsPage } from '@advlab/dashboard-feature-sweeps';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Sweeps' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { run } = await searchParams;
  return (
    <>
      <PageHeader title="Sweeps" description={navItem('/sweeps').description} />
      <SweepsPage runId={typeof run === 'string' ? run : undefined} />
    </>
  );
}
