import type { Plugin } from 'chart.js';

/** A span of the x axis (in its own units) painted behind the data. */
export interface ChartBand {
  from: number;
  to: number;
  /** Any canvas fill style; translucent so the grid and lines stay readable. */
  color: string;
}

/**
 * A Chart.js plugin that paints vertical bands behind the datasets, e.g. where a series came from.
 * It reads the bands on every draw, so new ones show with the next update without a new chart.
 */
export function backgroundBands(bands: () => readonly ChartBand[]): Plugin {
  return {
    id: 'backgroundBands',
    beforeDatasetsDraw(chart) {
      const x = chart.scales.x;
      const area = chart.chartArea;
      if (!x || !area) return;
      const { ctx } = chart;
      ctx.save();
      for (const band of bands()) {
        const left = Math.max(area.left, x.getPixelForValue(band.from));
        const right = Math.min(area.right, x.getPixelForValue(band.to));
        if (!(right > left)) continue;
        ctx.fillStyle = band.color;
        ctx.fillRect(left, area.top, right - left, area.bottom - area.top);
      }
      ctx.restore();
    },
  };
}
