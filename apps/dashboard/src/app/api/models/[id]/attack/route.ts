import { attackGalleryRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function POST(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return attackGalleryRoute(request, (await params).id);
}
