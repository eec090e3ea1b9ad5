import { attempt, listDatasets } from '@advlab/dashboard-data-access';
import { RunsPage, StartStudyForm } from '@advlab/dashboard-feature-runs';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Studies' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const datasets = await attempt(() => listDatasets());
  return (
    <>
      <PageHeader title="Studies" description={navItem('/studies').description} />
      <StartStudyForm datasets={datasets.ok ? datasets.data.map((d) => ({ id: d.id, name: d.name })) : []} />
      <RunsPage query={{ ...(await searchParams), kind: 'study' }} />
    </>
  );
}
