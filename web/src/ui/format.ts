// Every number and date the app shows is formatted here, with Intl.

const moneyFormats = new Map<string, Intl.NumberFormat>();

function moneyFormat(currency: string, locale: string | undefined, signed: boolean): Intl.NumberFormat {
  const key = `${locale ?? ''}|${currency}|${signed}`;
  let format = moneyFormats.get(key);
  if (!format) {
    try {
      format = new Intl.NumberFormat(locale, {
        style: 'currency', currency, currencyDisplay: 'narrowSymbol', signDisplay: signed ? 'exceptZero' : 'auto',
      });
    } catch {
      // Not an ISO 4217 code (some brokers use "USC" cents): plain number and the code.
      format = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2, signDisplay: signed ? 'exceptZero' : 'auto' });
    }
    moneyFormats.set(key, format);
  }
  return format;
}

/** Money in the account's currency; `signed` puts + before gains (a cue besides colour). */
export function formatMoney(value: number | null | undefined, currency: string | null | undefined, options: { signed?: boolean; locale?: string } = {}): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const code = (currency ?? '').toUpperCase();
  const format = moneyFormat(code || 'USD', options.locale, options.signed ?? false);
  const text = format.format(value);
  return format.resolvedOptions().style === 'currency' || !code ? text : `${text} ${code}`;
}

/** A fraction (0.123) as a percentage ("12.3%"), signed on request. */
export function formatPercent(fraction: number | null | undefined, options: { signed?: boolean; digits?: number; locale?: string } = {}): string {
  if (fraction === null || fraction === undefined || !Number.isFinite(fraction)) return '—';
  return new Intl.NumberFormat(options.locale, {
    style: 'percent', minimumFractionDigits: options.digits ?? 1, maximumFractionDigits: options.digits ?? 1,
    signDisplay: options.signed ? 'exceptZero' : 'auto',
  }).format(fraction);
}

/** A plain number with grouping. */
export function formatNumber(value: number | null | undefined, digits = 2, locale?: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  return new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: 0 }).format(value);
}

/** The colour class of an amount: gains, losses, or neither. */
export function trendClass(value: number | null | undefined): 'gain' | 'loss' | 'flat' {
  if (value === null || value === undefined || !Number.isFinite(value) || Math.abs(value) < 0.005) return 'flat';
  return value > 0 ? 'gain' : 'loss';
}

/** A date-time in the reader's zone (or `timeZone`), e.g. "6 Dec 2026, 14:05". */
export function formatDateTime(iso: string | null | undefined, options: { timeZone?: string; locale?: string } = {}): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '—';
  return new Intl.DateTimeFormat(options.locale, {
    day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: options.timeZone,
  }).format(date);
}

/** A short date ("6 Dec") for chart axes. */
export function formatShortDate(iso: string, options: { timeZone?: string; locale?: string; withTime?: boolean } = {}): string {
  const date = new Date(iso);
  return new Intl.DateTimeFormat(options.locale, {
    day: 'numeric', month: 'short', timeZone: options.timeZone,
    ...(options.withTime ? { hour: '2-digit', minute: '2-digit' } : {}),
  }).format(date);
}

/** How long ago, in words: "just now", "4 min ago", "3 h ago", "2 days ago". */
export function formatAgo(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return 'never';
  const then = new Date(iso).getTime();
  if (Number.isNaN(then)) return 'never';
  const seconds = Math.max(0, Math.round((now - then) / 1000));
  if (seconds < 45) return 'just now';
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 36) return `${hours} h ago`;
  const days = Math.round(hours / 24);
  return `${days} day${days === 1 ? '' : 's'} ago`;
}

/** A countdown in m:ss ("0:42", "1:05"). */
export function formatCountdown(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

/** A duration in words ("3 h 20 min", "2 days"). */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
  return `${Math.round(hours / 24)} days`;
}

/** Money for chart axes: whole units, compact above 10,000 ("$181K"). */
export function formatMoneyAxis(value: number, currency: string | null | undefined, locale?: string): string {
  const code = (currency ?? '').toUpperCase() || 'USD';
  try {
    return new Intl.NumberFormat(locale, {
      style: 'currency', currency: code, currencyDisplay: 'narrowSymbol', maximumFractionDigits: Math.abs(value) >= 10_000 ? 1 : 0,
      notation: Math.abs(value) >= 10_000 ? 'compact' : 'standard',
    }).format(value);
  } catch {
    return new Intl.NumberFormat(locale, { notation: 'compact', maximumFractionDigits: 1 }).format(value);
  }
}
