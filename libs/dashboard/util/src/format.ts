import { epsLabel } from '@advlab/config';
/** Display helpers shared by the dashboard's pages. Every function accepts "no value" and returns an em dash for it. */

const DASH = '—';

/** 0.9123 -> "91.2%". */
export function formatPercent(fraction: number | null | undefined, digits = 1): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return DASH;
  return `${(fraction * 100).toFixed(digits)}%`;
}

/** 65_000 -> "1m 05s"; 3_723_000 -> "1h 02m"; 900 -> "0.9s". */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms) || ms < 0) return DASH;
  if (ms < 10_000) return `${(ms / 1000).toFixed(1)}s`;
  const seconds = Math.round(ms / 1000);
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m ${String(s).padStart(2, '0')}s`;
  return `${s}s`;
}

/** How long before `now` an ISO time was: "2s ago", "1m 35s ago", "1h 02m ago". */
export function formatAge(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return DASH;
  const then = Date.parse(iso);
  if (Number.isNaN(then)) return DASH;
  const ms = Math.max(0, now - then);
  return ms < 60_000 ? `${Math.floor(ms / 1000)}s ago` : `${formatDuration(ms)} ago`;
}

/** A loss or other float with a fixed number of decimals. */
export function formatNumber(value: number | null | undefined, digits = 3): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return value.toFixed(digits);
}

/** 12_345 -> "12,345". */
export function formatCount(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return DASH;
  return Math.round(value).toLocaleString('en-US');
}

/** 1536 -> "1.5 KiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined || !Number.isFinite(bytes)) return DASH;
  const units = ['B', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${value} B` : `${value.toFixed(1)} ${units[unit]}`;
}

/** A pixel-scale budget as the notebook writes it: 0.0314 -> "8/255" (the config lib's one formatter); 0 -> "0/255". */
export function formatEpsilon(epsilon: number | null | undefined): string {
  if (epsilon === null || epsilon === undefined || !Number.isFinite(epsilon)) return DASH;
  return epsLabel(epsilon);
}

const dateTime = new Intl.DateTimeFormat('en-GB', { year: 'numeric', month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });

/** An ISO time as "29 Nov 2026, 09:12 UTC". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  return `${dateTime.format(date)} UTC`;
}

const shortDateTime = new Intl.DateTimeFormat('en-GB', { month: 'short', day: '2-digit', hour: '2-digit', minute: '2-digit', hour12: false, timeZone: 'UTC' });

/** An ISO time in tables: "29 Nov, 09:12". */
export function formatShortDateTime(iso: string | null | undefined): string {
  if (!iso) return DASH;
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return DASH;
  return shortDateTime.format(date);
}
