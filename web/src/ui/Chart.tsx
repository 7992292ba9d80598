// One Chart.js wrapper: line and bar charts with the theme's colours, a text alternative for
// screen readers, and a performance mark when the first chart is drawn (ops/bench web).

import {
  BarController, BarElement, CategoryScale, Chart, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { useEffect, useRef, useState } from 'react';
import { themeColor } from './chartColors';

Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Filler, Tooltip, Legend);

export interface Series {
  label: string;
  values: (number | null)[];
  /** A theme token such as --chart-1; bar charts may colour each bar by its sign instead. */
  color: string;
  fill?: boolean;
  signColored?: boolean;
}

let firstChartMarked = false;

export function ChartView(props: {
  kind: 'line' | 'bar';
  labels: string[];
  series: Series[];
  /** What the chart shows, in words (its accessible name). */
  title: string;
  format?: (value: number) => string;
  /** Axis labels (shorter than the tooltip's `format`). */
  axisFormat?: (value: number) => string;
  height?: 'small' | 'normal';
}): JSX.Element {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart | null>(null);
  // Colours are resolved when the chart is drawn: draw again when the theme flips.
  const [scheme, setScheme] = useState(0);
  useEffect(() => {
    const query = window.matchMedia('(prefers-color-scheme: dark)');
    const flip = (): void => setScheme((value) => value + 1);
    query.addEventListener('change', flip);
    return () => query.removeEventListener('change', flip);
  }, []);

  useEffect(() => {
    if (!canvas.current) return undefined;
    const text = themeColor('--text-muted');
    const grid = themeColor('--border', 0.6);
    const format = props.format ?? ((value: number) => String(value));
    const axisFormat = props.axisFormat ?? format;
    const datasets = props.series.map((series) => {
      const color = themeColor(series.color);
      const gain = themeColor('--gain'), loss = themeColor('--loss');
      return {
        label: series.label,
        data: series.values,
        borderColor: color,
        backgroundColor: series.signColored
          ? series.values.map((value) => ((value ?? 0) >= 0 ? gain : loss))
          : series.fill ? themeColor(series.color, 0.15) : color,
        fill: series.fill ?? false,
        borderWidth: props.kind === 'line' ? 2 : 0,
        pointRadius: props.kind === 'line' && props.labels.length < 40 ? 3 : 0,
        pointHoverRadius: 3,
        tension: 0.25,
        spanGaps: true,
      };
    });
    const config: ChartConfiguration<'line' | 'bar', (number | null)[], string> = {
      type: props.kind,
      data: { labels: props.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { display: props.series.length > 1, labels: { color: text, boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${format(Number(item.raw))}` } },
        },
        scales: {
          x: { ticks: { color: text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { display: false } },
          y: { ticks: { color: text, callback: (value) => axisFormat(Number(value)), maxTicksLimit: 6 }, grid: { color: grid } },
        },
      },
    };
    chart.current?.destroy();
    chart.current = new Chart(canvas.current, config as ChartConfiguration);
    if (!firstChartMarked) {
      firstChartMarked = true;
      performance.mark('klaro:first-chart');
    }
    return () => {
      chart.current?.destroy();
      chart.current = null;
    };
  }, [props.kind, props.labels, props.series, props.format, props.axisFormat, scheme]);

  return (
    <figure className={`chart chart-${props.height ?? 'normal'}`}>
      <canvas ref={canvas} role="img" aria-label={props.title} />
    </figure>
  );
}
