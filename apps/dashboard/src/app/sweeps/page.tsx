import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Sweeps' };

export default function Page() {
  return <PlannedPage href="/sweeps" />;
}
