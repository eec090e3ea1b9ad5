import { StudyDetail } from '@advlab/dashboard-feature-runs';

export const dynamic = 'force-dynamic';

export async function generateMetadata({ params }: { params: Promise<{ id: string }> }) {
  return { title: `Study ${(await params).id}` };
}

export default async function Page({ params }: { params: Promise<{ id: string }> }) {
  return <StudyDetail runId={(await params).id} />;
}
