import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Filler,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from 'chart.js';
import { createContext, useContext, useEffect, useRef } from 'react';
import { backgroundBands, type ChartBand } from './chart-bands.js';
import type { Theme } from './theme.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export const ThemeContext = createContext<Theme>('light');

export interface ChartSeries {
  label: string;
  /** null leaves a gap in a line. */
  values: Array<number | null>;
  color: string;
}

/** A numeric x axis (e.g. Unix seconds) with one x per value, for series whose points are not evenly spaced labels. */
export interface NumericAxis {
  values: number[];
  min: number;
  max: number;
  /** Where to put the tick labels; Chart.js's own steps when absent. */
  ticks?: number[];
  tickLabel: (value: number) => string;
  /** The tooltip's heading for a point. */
  pointLabel: (value: number) => string;
}

interface ChartProps {
  kind: 'line' | 'bar';
  /** Category x axis: one label per value. Ignored when `x` is given. */
  labels?: string[];
  x?: NumericAxis;
  /** Spans of a numeric x axis shaded behind the data. */
  bands?: ChartBand[];
  series: ChartSeries[];
  /** Describes the chart for screen readers; the figures are also shown as text beside it. */
  label: string;
  yTitle?: string;
  testId?: string;
  /** Bars: one colour per label instead of per series. */
  barColors?: string[];
}

const AXES: Record<Theme, { text: string; grid: string }> = {
  light: { text: '#3d4451', grid: 'rgba(20, 30, 50, 0.1)' },
  dark: { text: '#c5cbd6', grid: 'rgba(220, 230, 255, 0.12)' },
};

const number = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
/** Rates below one (a few requests a minute, per second) keep two significant digits instead of rounding to 0. */
const fraction = new Intl.NumberFormat(undefined, { maximumSignificantDigits: 2 });
const formatValue = (value: number) => (value !== 0 && Math.abs(value) < 1 ? fraction : number).format(value);

/**
 * A Chart.js chart drawn on a canvas. The chart is made once per kind and theme; new data is
 * written into it and drawn without animation, so four updates a second cost little.
 */
export function ChartView({ kind, labels = [], x, bands, series, label, yTitle, testId, barColors }: ChartProps) {
  const theme = useContext(ThemeContext);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart | null>(null);
  const seriesCount = series.length;
  const numericX = x !== undefined;
  // The chart outlives renders; its callbacks read the newest axis and bands through these.
  const xRef = useRef(x);
  xRef.current = x;
  const bandsRef = useRef(bands);
  bandsRef.current = bands;

  useEffect(() => {
    const canvas = canvasRef.current;
    // No 2D context (e.g. a test DOM without canvas): the text figures beside the chart still show.
    if (!canvas || !canvas.getContext('2d')) return;
    const axes = AXES[theme];
    const xTicks = { color: axes.text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 };
    const config: ChartConfiguration = {
      type: kind,
      data: { labels: [], datasets: [] },
      plugins: [backgroundBands(() => bandsRef.current ?? [])],
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { labels: { color: axes.text, boxWidth: 12 }, display: kind === 'line' || seriesCount > 1 },
          tooltip: {
            callbacks: {
              label: (item) => `${item.dataset.label ?? ''}: ${formatValue(item.parsed.y ?? Number.NaN)}`,
              ...(numericX && { title: (items) => (items[0] ? (xRef.current?.pointLabel(items[0].parsed.x ?? Number.NaN) ?? '') : '') }),
            },
          },
        },
        scales: {
          x: numericX
            ? {
                type: 'linear',
                bounds: 'data',
                ticks: { ...xTicks, callback: (value) => xRef.current?.tickLabel(Number(value)) ?? String(value) },
                afterBuildTicks: (axis) => {
                  const ticks = xRef.current?.ticks;
                  if (ticks) axis.ticks = ticks.map((value) => ({ value }));
                },
                grid: { color: axes.grid },
              }
            : { ticks: xTicks, grid: { color: axes.grid } },
          y: {
            beginAtZero: true,
            ticks: { color: axes.text, callback: (value) => formatValue(Number(value)) },
            grid: { color: axes.grid },
            ...(yTitle && { title: { display: true, text: yTitle, color: axes.text } }),
          },
        },
        elements: { point: { radius: 0 }, line: { borderWidth: 2, tension: 0.25 } },
      },
    };
    const chart = new Chart(canvas, config);
    chartRef.current = chart;
    return () => {
      chart.destroy();
      chartRef.current = null;
    };
  }, [kind, theme, yTitle, seriesCount, numericX]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    chart.data.labels = x ? [] : labels;
    if (x) Object.assign(chart.options.scales?.x ?? {}, { min: x.min, max: x.max });
    chart.data.datasets = series.map((one, index) => {
      const existing = chart.data.datasets[index];
      const colors = kind === 'bar' && barColors ? barColors : one.color;
      const dataset = existing ?? { label: one.label, data: [] };
      Object.assign(dataset, {
        label: one.label,
        data: x ? one.values.map((y, index) => ({ x: x.values[index] ?? Number.NaN, y })) : one.values,
        borderColor: colors,
        backgroundColor: kind === 'bar' ? colors : `${one.color}22`,
        fill: false,
        // A lone sample has no line to draw: show it as a point.
        pointRadius: kind === 'line' && one.values.length < 2 ? 3 : 0,
      });
      return dataset;
    });
    chart.update('none');
  }, [labels, x, bands, series, kind, barColors, theme]);

  return (
    <div className="chart" data-testid={testId}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
