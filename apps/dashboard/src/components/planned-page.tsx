import { EmptyState } from '@advlab/dashboard-ui';
import { navItem } from '../navigation';
import { PageHeader } from './page-header';

/** The page for a section that is not built yet: what it will show, and no data. */
export function PlannedPage({ href }: { href: string }) {
  const item = navItem(href);
  return (
    <>
      <PageHeader title={item.label} description={item.description} />
      <EmptyState title="Not built yet" description={`The ${item.label} page is on its way. Until it arrives there is nothing to show here.`} />
    </>
  );
}
