// Drawdown of the growth index (1 + cumulative time-weighted gain): neutral to deposits and
// withdrawals, so that taking money out is not mistaken for a loss.

export interface GainPoint {
  cumulative_gain?: number;
}

/** Each day's fall from the highest index so far, as a fraction ≤ 0 (null before the first gain). */
export function drawdownSeries(days: readonly GainPoint[]): (number | null)[] {
  let peak = -Infinity;
  return days.map((day) => {
    if (day.cumulative_gain === undefined) return null;
    const index = 1 + day.cumulative_gain;
    peak = Math.max(peak, index);
    return peak > 0 ? index / peak - 1 : 0;
  });
}

/** The deepest drawdown of the series (a fraction ≤ 0), or null without data. */
export function maxDrawdown(days: readonly GainPoint[]): number | null {
  const values = drawdownSeries(days).filter((value): value is number => value !== null);
  return values.length ? Math.min(0, ...values) : null;
}
