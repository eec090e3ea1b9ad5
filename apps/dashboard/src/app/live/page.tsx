import { LiveAttackPage } from '@advlab/dashboard-feature-live-attack';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Live attack' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const { model } = await searchParams;
  return (
    <>
      <PageHeader title="Live attack" description={navItem('/live').description} />
      <LiveAttackPage modelId={typeof model === 'string' ? model : undefined} />
    </>
  );
}
