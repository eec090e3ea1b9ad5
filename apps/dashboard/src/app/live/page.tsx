import { PlannedPage } from '../../components/planned-page';

export const metadata = { title: 'Live attack' };

export default function Page() {
  return <PlannedPage href="/live" />;
}
