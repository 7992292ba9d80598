import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatAgo, formatCountdown, formatDuration, formatMoney, formatPercent, trendClass } from '../../src/ui/format';

test('money is in the account currency, signed when asked', () => {
  assert.equal(formatMoney(1234.5, 'USD', { locale: 'en-US' }), '$1,234.50');
  assert.equal(formatMoney(1234.5, 'EUR', { locale: 'de-DE' }), '1.234,50\u00a0€');
  assert.equal(formatMoney(12.3, 'USD', { signed: true, locale: 'en-US' }), '+$12.30');
  assert.equal(formatMoney(-12.3, 'USD', { signed: true, locale: 'en-US' }), '-$12.30');
  assert.equal(formatMoney(0, 'USD', { signed: true, locale: 'en-US' }), '$0.00');
});

test('money without a value or with a broker code that is not ISO 4217', () => {
  assert.equal(formatMoney(undefined, 'USD'), '—');
  assert.equal(formatMoney(Number.NaN, 'USD'), '—');
  assert.equal(formatMoney(10, 'USC', { locale: 'en-US' }), 'USC\u00a010.00');
});

test('percentages of fractions', () => {
  assert.equal(formatPercent(0.1234, { locale: 'en-US' }), '12.3%');
  assert.equal(formatPercent(0.05, { signed: true, locale: 'en-US' }), '+5.0%');
  assert.equal(formatPercent(-0.05, { signed: true, locale: 'en-US' }), '-5.0%');
  assert.equal(formatPercent(undefined), '—');
});

test('gains, losses and flat amounts get their own class', () => {
  assert.equal(trendClass(3), 'gain');
  assert.equal(trendClass(-0.01), 'loss');
  assert.equal(trendClass(0.001), 'flat');
  assert.equal(trendClass(undefined), 'flat');
});

test('time ago and countdowns', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  assert.equal(formatAgo('2026-12-06T11:59:50Z', now), 'just now');
  assert.equal(formatAgo('2026-12-06T11:56:00Z', now), '4 min ago');
  assert.equal(formatAgo('2026-12-06T09:00:00Z', now), '3 h ago');
  assert.equal(formatAgo('2026-12-04T12:00:00Z', now), '2 days ago');
  assert.equal(formatAgo(undefined, now), 'never');
  assert.equal(formatCountdown(42), '0:42');
  assert.equal(formatCountdown(65.2), '1:06');
  assert.equal(formatCountdown(-3), '0:00');
  assert.equal(formatDuration(3 * 3600 + 20 * 60), '3 h 20 min');
  assert.equal(formatDuration(45), '45 s');
});
