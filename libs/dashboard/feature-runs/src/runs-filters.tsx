'use client';

import { usePathname, useRouter, useSearchParams } from 'next/navigation';
import { RUN_KINDS, RUN_STATUSES } from '@advlab/dashboard-util';
import { Select } from '@advlab/dashboard-ui';
import { RUN_KIND_LABELS, RUN_STATUS_PRESENTATION } from './presentation';

/** Status and kind filters kept in the URL, so a filtered list can be shared and reloaded. */
export function RunsFilters({ datasets }: { datasets: readonly { id: string; label: string }[] }) {
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params?.toString());
    if (value) next.set(key, value);
    else next.delete(key);
    const query = next.toString();
    router.replace(query ? `${pathname}?${query}` : (pathname ?? '/runs'));
  };
  return (
    <div className="flex flex-wrap items-end gap-3" role="group" aria-label="Filter runs">
      <label className="flex flex-col gap-1 text-xs font-medium text-neutral-600">
        Status
        <Select value={params?.get('status') ?? ''} onChange={(e) => set('status', e.target.value)} className="w-40">
          <option value="">Any status</option>
          {RUN_STATUSES.map((s) => (
            <option key={s} value={s}>
              {RUN_STATUS_PRESENTATION[s].label}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-neutral-600">
        Kind
        <Select value={params?.get('kind') ?? ''} onChange={(e) => set('kind', e.target.value)} className="w-40">
          <option value="">Any kind</option>
          {RUN_KINDS.map((k) => (
            <option key={k} value={k}>
              {RUN_KIND_LABELS[k]}
            </option>
          ))}
        </Select>
      </label>
      <label className="flex flex-col gap-1 text-xs font-medium text-neutral-600">
        Dataset
        <Select value={params?.get('dataset') ?? ''} onChange={(e) => set('dataset', e.target.value)} className="w-48">
          <option value="">Any dataset</option>
          {datasets.map((d) => (
            <option key={d.id} value={d.id}>
              {d.label}
            </option>
          ))}
        </Select>
      </label>
    </div>
  );
}
