// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { Chart, type TooltipItem } from 'chart.js';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ChartView, type NumericAxis } from '../../renderer/src/Chart.js';

/**
 * jsdom has no canvas: a 2D context that accepts every call and records fills, and a 600×260
 * layout, so Chart.js lays out and draws for real.
 */
function installCanvas(): { fills: Array<{ style: unknown; rect: number[] }> } {
  const fills: Array<{ style: unknown; rect: number[] }> = [];
  const state: Record<string, unknown> = {};
  const context = new Proxy(state, {
    get(target, property: string) {
      if (property in target) return target[property];
      if (property === 'measureText') return () => ({ width: 10, actualBoundingBoxAscent: 5, actualBoundingBoxDescent: 2 });
      if (property === 'fillRect') return (...rect: number[]) => fills.push({ style: target.fillStyle, rect });
      return () => undefined;
    },
  });
  vi.spyOn(HTMLCanvasElement.prototype, 'getContext').mockImplementation(function (this: HTMLCanvasElement) {
    state.canvas = this;
    return context as unknown as CanvasRenderingContext2D;
  });
  vi.spyOn(HTMLElement.prototype, 'getBoundingClientRect').mockImplementation(() => DOMRect.fromRect({ width: 600, height: 260 }));
  vi.stubGlobal(
    'ResizeObserver',
    class {
      observe() {}
      unobserve() {}
      disconnect() {}
    },
  );
  return { fills };
}

const axis = (overrides: Partial<NumericAxis> = {}): NumericAxis => ({
  values: [0, 100, 200],
  min: 0,
  max: 300,
  ticks: [0, 150, 300],
  tickLabel: (value) => `t${value}`,
  pointLabel: (value) => `at ${value}`,
  ...overrides,
});

beforeEach(() => {
  vi.spyOn(console, 'error');
});

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.unstubAllGlobals();
});

describe('ChartView on a numeric x axis', () => {
  it('places points at their x, labels the given ticks, paints the bands behind, and names points in the tooltip', () => {
    const { fills } = installCanvas();
    const view = render(
      <ChartView
        kind="line"
        x={axis()}
        bands={[{ from: 0, to: 150, color: '#ef444438' }]}
        series={[{ label: 'import', color: '#3b82f6', values: [1, null, 3] }]}
        label="energy"
      />,
    );
    const chart = Chart.getChart(view.container.querySelector('canvas')!)!;
    expect(chart.data.datasets[0]!.data).toEqual([
      { x: 0, y: 1 },
      { x: 100, y: null },
      { x: 200, y: 3 },
    ]);
    const x = chart.scales.x!;
    expect([x.min, x.max]).toEqual([0, 300]);
    expect(x.ticks.map((tick) => [tick.value, tick.label])).toEqual([
      [0, 't0'],
      [150, 't150'],
      [300, 't300'],
    ]);

    const area = chart.chartArea;
    const band = fills.filter((fill) => fill.style === '#ef444438').at(-1)!;
    expect(band.rect[0]).toBeCloseTo(area.left);
    expect(band.rect[2]).toBeCloseTo(x.getPixelForValue(150) - area.left);
    expect(band.rect[3]).toBeCloseTo(area.bottom - area.top);

    const title = chart.options.plugins!.tooltip!.callbacks!.title as unknown as (items: Array<Partial<TooltipItem<'line'>>>) => string;
    expect(title([{ parsed: { x: 100, y: 1 } }])).toBe('at 100');
  });

  it('follows a new range without making a new chart', () => {
    installCanvas();
    const series = [{ label: 'import', color: '#3b82f6', values: [1, 2, 3] }];
    const view = render(<ChartView kind="line" x={axis()} series={series} label="energy" />);
    const canvas = view.container.querySelector('canvas')!;
    const chart = Chart.getChart(canvas)!;
    view.rerender(<ChartView kind="line" x={axis({ values: [1000, 1100, 1200], min: 1000, max: 1300, ticks: [1000, 1300] })} series={series} label="energy" />);
    expect(Chart.getChart(canvas)).toBe(chart);
    expect([chart.scales.x!.min, chart.scales.x!.max]).toEqual([1000, 1300]);
    expect(chart.scales.x!.ticks.map((tick) => tick.value)).toEqual([1000, 1300]);
    expect(console.error).not.toHaveBeenCalled();
  });
});
