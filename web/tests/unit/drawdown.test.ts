import assert from 'node:assert/strict';
import { test } from 'node:test';
import { drawdownSeries, maxDrawdown } from '../../src/analytics/drawdown';

test('drawdown follows the growth index, not the balance', () => {
  // +10%, then back to +0% (a fall of 1/11 from the peak), then a new high.
  const days = [{ cumulative_gain: 0 }, { cumulative_gain: 0.1 }, { cumulative_gain: 0 }, { cumulative_gain: 0.2 }];
  const series = drawdownSeries(days);
  assert.equal(series[0], 0);
  assert.equal(series[1], 0);
  assert.ok(Math.abs((series[2] as number) + 1 / 11) < 1e-12);
  assert.equal(series[3], 0);
  assert.ok(Math.abs((maxDrawdown(days) as number) + 1 / 11) < 1e-12);
});

test('days without a gain are gaps; no data is no drawdown', () => {
  assert.deepEqual(drawdownSeries([{}, { cumulative_gain: 0.05 }]), [null, 0]);
  assert.equal(maxDrawdown([]), null);
  assert.equal(maxDrawdown([{}]), null);
});
