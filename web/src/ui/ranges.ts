// The periods a trader picks, and the API parameters they become.

export type RangeKey = '1D' | '1W' | '1M' | '3M' | '1Y' | 'All';

export const RANGE_KEYS: readonly RangeKey[] = ['1D', '1W', '1M', '3M', '1Y', 'All'];

const apiRanges: Record<RangeKey, string> = { '1D': '1d', '1W': '7d', '1M': '30d', '3M': '90d', '1Y': '1y', All: 'all' };

const rangeNames: Record<RangeKey, string> = {
  '1D': 'one day', '1W': 'one week', '1M': 'one month', '3M': 'three months', '1Y': 'one year', All: 'all time',
};

/** The `range` query parameter of a picker choice. */
export function apiRange(key: RangeKey): string {
  return apiRanges[key];
}

/** The choice in words, for screen readers ("one week"). */
export function rangeName(key: RangeKey): string {
  return rangeNames[key];
}

export function isRangeKey(value: string | null | undefined): value is RangeKey {
  return value !== null && value !== undefined && (RANGE_KEYS as readonly string[]).includes(value);
}

/** A period for analytics: a preset, or explicit dates (from inclusive, to exclusive). */
export type Period = { kind: 'preset'; key: RangeKey } | { kind: 'dates'; from: string; to: string };

const isoDate = /^\d{4}-\d{2}-\d{2}$/;

/** Validates a custom period; returns an error in words or null. */
export function periodError(from: string, to: string): string | null {
  if (!isoDate.test(from) || !isoDate.test(to)) return 'Enter both dates.';
  if (from >= to) return 'The start must be before the end.';
  return null;
}

/** Query parameters of a period (the end date is shown inclusive, sent exclusive). */
export function periodQuery(period: Period): Record<string, string> {
  if (period.kind === 'preset') return { range: apiRange(period.key) };
  return { from: period.from, to: addDays(period.to, 1) };
}

/** `date` (YYYY-MM-DD) plus `days`, in the calendar (no time zone involved). */
export function addDays(date: string, days: number): string {
  const [year, month, day] = date.split('-').map(Number);
  const moved = new Date(Date.UTC(year, month - 1, day + days));
  return moved.toISOString().slice(0, 10);
}

/** Whether a curve of this range is drawn by the hour (the API's hourly points). */
export function isHourly(key: RangeKey): boolean {
  return key === '1D' || key === '1W';
}
