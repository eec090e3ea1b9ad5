import { GalleryPage } from '@advlab/dashboard-feature-gallery';
import { PageHeader } from '../../components/page-header';
import { navItem } from '../../navigation';

export const dynamic = 'force-dynamic';

export const metadata = { title: 'Gallery' };

export default async function Page({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  return (
    <>
      <PageHeader title="Gallery" description={navItem('/gallery').description} />
      <GalleryPage query={await searchParams} />
    </>
  );
}
