import { ModelsPage } from '@advlab/dashboard-feature-models';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Models' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return (
    <>
      <PageHeader title="Models" description={navItem('/models').description} />
      <ModelsPage query={await searchParams} />
    </>
  );
}
