import { RunKind, RunStatus, Split, WorkerRole, WorkerState } from '@advlab/contract';

export type Align = 'left' | 'right';

/** A column of a table: its header and alignment (numbers read best right-aligned). */
export interface Column {
  header: string;
  align?: Align;
}

/**
 * A plain-text table: a header row, a rule, then the rows, columns padded to
 * their widest cell and separated by two spaces. Trailing spaces are trimmed.
 */
export function table(columns: ReadonlyArray<Column | string>, rows: ReadonlyArray<ReadonlyArray<string | number>>): string {
  const cols = columns.map((c) => (typeof c === 'string' ? { header: c } : c));
  const cells = rows.map((r) => cols.map((_, i) => String(r[i] ?? '')));
  const widths = cols.map((c, i) => Math.max(c.header.length, ...cells.map((r) => r[i].length)));
  const line = (values: string[]) =>
    values
      .map((v, i) => (cols[i].align === 'right' ? v.padStart(widths[i]) : v.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(cols.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n') + '\n';
}

/** `key: value` lines with the keys padded to one width. */
export function details(pairs: ReadonlyArray<readonly [string, string | number | undefined]>): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${`${k}:`.padEnd(width + 1)}  ${v}`).join('\n') + '\n';
}

/** A fraction in [0, 1] as a percentage with one decimal: 0.9123 -> "91.2%". */
export function pct(fraction: number | undefined): string {
  if (fraction === undefined || !Number.isFinite(fraction)) return '-';
  return `${(fraction * 100).toFixed(1)}%`;
}

/** Budgets are written by the config lib's one formatter: 8/255, 7.98/255, 0. */
export { epsLabel } from '@advlab/config';

/** A number with a fixed number of decimals, "-" when missing. */
export function num(value: number | undefined, decimals = 3): string {
  return value === undefined || !Number.isFinite(value) ? '-' : value.toFixed(decimals);
}

/** Seconds as "12.3s", "4m05s" or "1h02m". */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/** How long before `now` a time was: "2s ago", "4m05s ago", "1h02m ago"; "-" when missing. */
export function ago(date: Date | undefined, now: number = Date.now()): string {
  if (!date) return '-';
  const seconds = Math.max(0, (now - date.getTime()) / 1000);
  return seconds < 60 ? `${Math.floor(seconds)}s ago` : `${duration(seconds)} ago`;
}

/** Bytes as "812 B", "3.4 KiB", "1.2 MiB". */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/** A timestamp as local "YYYY-MM-DD HH:MM", "-" when missing. */
export function when(date: Date | undefined): string {
  if (!date) return '-';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${p(date.getMonth() + 1)}-${p(date.getDate())} ${p(date.getHours())}:${p(date.getMinutes())}`;
}

/** An enum value's name without its prefix, lower case: RUN_STATUS_SUCCEEDED -> "succeeded". */
function enumName(names: Record<number, string>, prefix: string, value: number): string {
  const name = names[value];
  return name ? name.slice(prefix.length).toLowerCase().replace(/_/g, '-') : String(value);
}

export const statusName = (s: RunStatus) => enumName(RunStatus as unknown as Record<number, string>, 'RUN_STATUS_', s);
export const kindName = (k: RunKind) => enumName(RunKind as unknown as Record<number, string>, 'RUN_KIND_', k);
export const splitName = (s: Split) => enumName(Split as unknown as Record<number, string>, 'SPLIT_', s);
export const workerRoleName = (r: WorkerRole) => enumName(WorkerRole as unknown as Record<number, string>, 'WORKER_ROLE_', r);
export const workerStateName = (s: WorkerState) => enumName(WorkerState as unknown as Record<number, string>, 'WORKER_STATE_', s);

/** Feature maps as "[16,32,64]". */
export const featureMaps = (maps: readonly number[] | undefined) => `[${(maps ?? []).join(',')}]`;
