import { scaleBand, scaleLinear } from 'd3-scale';
import { line } from 'd3-shape';

/**
 * The dashboard's charts as geometry for an inline SVG template (templates/pages/admin/chart-*.eta):
 * d3's scales and path generators compute it on the server, so the page needs no script, no
 * charting code in the browser and nothing from a CDN; the template escapes every label.
 */

export const CHART = { width: 720, height: 220, margin: { top: 12, right: 12, bottom: 28, left: 44 } };

/** Counts are whole: a tick at 0.5 subscribers would read as nonsense. */
const integerTicks = (ticks: number[]) => ticks.filter(Number.isInteger);

interface Tick {
  value: string;
  at: number;
}

export interface LineChart {
  width: number;
  height: number;
  series: Array<{ name: string; path: string; total: number; colour: number }>;
  yTicks: Tick[];
  xTicks: Tick[];
  plot: { left: number; right: number; top: number; bottom: number };
}

/** One line per series over the days, a shared y axis from 0. */
export function lineChart(days: string[], series: Array<{ name: string; values: number[] }>): LineChart {
  const { width, height, margin } = CHART;
  const x = scaleLinear()
    .domain([0, Math.max(days.length - 1, 1)])
    .range([margin.left, width - margin.right]);
  const max = Math.max(1, ...series.flatMap((s) => s.values));
  const y = scaleLinear()
    .domain([0, max])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const path = line<number>()
    .x((_, index) => x(index))
    .y((value) => y(value));
  const everyWeek = days.map((day, index) => ({ day, index })).filter(({ index }) => index % 14 === 0);
  return {
    width,
    height,
    series: series.map((s, index) => ({
      name: s.name,
      path: path(s.values) ?? '',
      total: s.values.reduce((a, b) => a + b, 0),
      colour: index,
    })),
    yTicks: integerTicks(y.ticks(4)).map((value) => ({ value: String(value), at: y(value) })),
    xTicks: everyWeek.map(({ day, index }) => ({ value: day.slice(5), at: x(index) })),
    plot: { left: margin.left, right: width - margin.right, top: margin.top, bottom: height - margin.bottom },
  };
}

export interface StackedBars {
  width: number;
  height: number;
  bars: Array<{
    label: string;
    y: number;
    height: number;
    segments: Array<{ name: string; x: number; width: number; count: number; colour: number }>;
    total: number;
  }>;
  plot: { left: number; right: number };
  xTicks: Tick[];
}

/** One horizontal bar per row, split by status, on a shared scale. */
export function stackedBars(
  rows: Array<{ label: string; counts: Record<string, number> }>,
  statuses: readonly string[],
): StackedBars {
  const { width, margin } = CHART;
  const left = 150;
  const rowHeight = 22;
  const height = margin.top + rows.length * rowHeight + margin.bottom;
  const totals = rows.map((row) => statuses.reduce((sum, status) => sum + (row.counts[status] ?? 0), 0));
  const x = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .nice()
    .range([left, width - margin.right]);
  const y = scaleBand()
    .domain(rows.map((_, index) => String(index)))
    .range([margin.top, height - margin.bottom])
    .padding(0.2);
  return {
    width,
    height,
    plot: { left, right: width - margin.right },
    xTicks: integerTicks(x.ticks(4)).map((value) => ({ value: String(value), at: x(value) })),
    bars: rows.map((row, index) => {
      let start = 0;
      const segments = statuses.map((status, colour) => {
        const count = row.counts[status] ?? 0;
        const segment = { name: status, x: x(start), width: x(start + count) - x(start), count, colour };
        start += count;
        return segment;
      });
      return {
        label: row.label,
        y: y(String(index)) ?? 0,
        height: y.bandwidth(),
        segments: segments.filter((s) => s.count > 0),
        total: totals[index] ?? 0,
      };
    }),
  };
}
