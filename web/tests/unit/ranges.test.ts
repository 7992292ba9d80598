import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addDays, apiRange, isRangeKey, periodError, periodQuery, RANGE_KEYS } from '../../src/ui/ranges';

test('every picker choice maps to a range the API accepts', () => {
  const accepted = ['1d', '7d', '30d', '90d', '1y', 'all'];
  assert.deepEqual(RANGE_KEYS.map(apiRange), accepted);
  assert.ok(isRangeKey('1W'));
  assert.ok(!isRangeKey('2W'));
  assert.ok(!isRangeKey(null));
});

test('custom periods send the end date exclusive', () => {
  assert.deepEqual(periodQuery({ kind: 'preset', key: '3M' }), { range: '90d' });
  assert.deepEqual(periodQuery({ kind: 'dates', from: '2026-01-01', to: '2026-01-31' }), { from: '2026-01-01', to: '2026-02-01' });
  assert.equal(addDays('2024-02-28', 1), '2024-02-29');
  assert.equal(addDays('2026-12-31', 1), '2027-01-01');
});

test('custom periods are checked before they are sent', () => {
  assert.equal(periodError('2026-01-01', '2026-02-01'), null);
  assert.equal(periodError('2026-02-01', '2026-01-01'), 'The start must be before the end.');
  assert.equal(periodError('', '2026-01-01'), 'Enter both dates.');
});
