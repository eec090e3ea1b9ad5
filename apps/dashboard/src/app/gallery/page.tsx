import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Gallery' };

export default function Page() {
  return <PlannedPage href="/gallery" />;
}
