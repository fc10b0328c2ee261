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
import type { Theme } from './theme.js';

Chart.register(BarController, BarElement, CategoryScale, Filler, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip);

export const ThemeContext = createContext<Theme>('light');

export interface ChartSeries {
  label: string;
  values: number[];
  color: string;
}

interface ChartProps {
  kind: 'line' | 'bar';
  labels: string[];
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

/**
 * A Chart.js chart drawn on a canvas. The chart is made once per kind and theme; new data is
 * written into it and drawn without animation, so four updates a second cost little.
 */
export function ChartView({ kind, labels, series, label, yTitle, testId, barColors }: ChartProps) {
  const theme = useContext(ThemeContext);
  const canvasRef = useRef<HTMLCanvasElement | null>(null);
  const chartRef = useRef<Chart | null>(null);
  const seriesCount = series.length;

  useEffect(() => {
    const canvas = canvasRef.current;
    // No 2D context (e.g. a test DOM without canvas): the text figures beside the chart still show.
    if (!canvas || !canvas.getContext('2d')) return;
    const axes = AXES[theme];
    const config: ChartConfiguration = {
      type: kind,
      data: { labels: [], datasets: [] },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        normalized: true,
        interaction: { mode: 'index', intersect: false },
        plugins: {
          legend: { labels: { color: axes.text, boxWidth: 12 }, display: kind === 'line' || seriesCount > 1 },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${number.format(Number(item.raw))}` } },
        },
        scales: {
          x: { ticks: { color: axes.text, maxRotation: 0, autoSkip: true, maxTicksLimit: 8 }, grid: { color: axes.grid } },
          y: {
            beginAtZero: true,
            ticks: { color: axes.text, callback: (value) => number.format(Number(value)) },
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
  }, [kind, theme, yTitle, seriesCount]);

  useEffect(() => {
    const chart = chartRef.current;
    if (!chart) return;
    chart.data.labels = labels;
    chart.data.datasets = series.map((one, index) => {
      const existing = chart.data.datasets[index];
      const colors = kind === 'bar' && barColors ? barColors : one.color;
      const dataset = existing ?? { label: one.label, data: [] };
      Object.assign(dataset, {
        label: one.label,
        data: one.values,
        borderColor: colors,
        backgroundColor: kind === 'bar' ? colors : `${one.color}22`,
        fill: false,
        // A lone sample has no line to draw: show it as a point.
        pointRadius: kind === 'line' && one.values.length < 2 ? 3 : 0,
      });
      return dataset;
    });
    chart.update('none');
  }, [labels, series, kind, barColors, theme]);

  return (
    <div className="chart" data-testid={testId}>
      <canvas ref={canvasRef} role="img" aria-label={label} />
    </div>
  );
}
