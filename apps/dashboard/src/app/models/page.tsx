import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Models' };

export default function Page() {
  return <PlannedPage href="/models" />;
}
