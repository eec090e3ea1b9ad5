import { RunsPage } from '@advlab/dashboard-feature-runs';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Studies' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return (
    <>
      <PageHeader title="Studies" description={navItem('/studies').description} />
      <p className="mb-4 text-sm text-neutral-600">
        Start one with <code>advlab study --dataset &lt;id&gt; --preset quick</code> (or <code>notebook</code>); open a study for its report.
      </p>
      <RunsPage query={{ ...(await searchParams), kind: 'study' }} />
    </>
  );
}
