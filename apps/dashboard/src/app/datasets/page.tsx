import { DatasetsPage } from '@advlab/dashboard-feature-datasets';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Datasets' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { dataset } = await searchParams;
  return (
    <>
      <PageHeader title="Datasets" description={navItem('/datasets').description} />
      <DatasetsPage datasetId={typeof dataset === 'string' ? dataset : undefined} />
    </>
  );
}
