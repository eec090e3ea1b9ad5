import { studyDownloadRoute } from '@advlab/dashboard-data-access';

export const dynamic = 'force-dynamic';

export async function GET(request: Request, { params }: { params: Promise<{ id: string }> }) {
  return studyDownloadRoute(request, (await params).id);
}
