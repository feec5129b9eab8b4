import { scaleBand, scaleLinear } from 'd3-scale';

/**
 * The dashboard's charts as geometry for an inline SVG template (templates/pages/admin/chart-*.eta):
 * d3's scales and path generators compute it on the server, so the page needs no script, no
 * charting code in the browser and nothing from a CDN; the template escapes every label.
 */

const CHART = { width: 720, height: 220, margin: { top: 12, right: 12, bottom: 28, left: 44 } };

/** Counts are whole: a tick at 0.5 subscribers would read as nonsense. */
const integerTicks = (ticks: number[]) => ticks.filter(Number.isInteger);

interface Tick {
  value: string;
  at: number;
}

/**
 * Events per day as stacked columns, one per day, a colour per series. Columns, not lines: with
 * little data (one day of events in 90) a line is a flat stroke and a spike, and equal series
 * draw over each other; a column shows each day's count and every series in it.
 */
export interface DailyColumns {
  width: number;
  height: number;
  columns: Array<{
    x: number;
    width: number;
    segments: Array<{ y: number; height: number; colour: number; label: string }>;
  }>;
  series: Array<{ name: string; total: number; colour: number }>;
  yTicks: Tick[];
  xTicks: Tick[];
  plot: { left: number; right: number; top: number; bottom: number };
}

/** A column per day stacked by series, a shared y axis from 0. */
export function dailyColumns(
  days: string[],
  series: Array<{ name: string; values: number[] }>,
): DailyColumns {
  const { width, height, margin } = CHART;
  const x = scaleBand()
    .domain(days)
    .range([margin.left, width - margin.right])
    .padding(0.15);
  const totals = days.map((_, day) => series.reduce((sum, s) => sum + (s.values[day] ?? 0), 0));
  const y = scaleLinear()
    .domain([0, Math.max(1, ...totals)])
    .nice()
    .range([height - margin.bottom, margin.top]);
  const columns = days.flatMap((day, index) => {
    if (totals[index] === 0) return [];
    let below = 0;
    const segments = series.flatMap((s, colour) => {
      const count = s.values[index] ?? 0;
      if (count === 0) return [];
      const segment = {
        y: y(below + count),
        height: y(below) - y(below + count),
        colour,
        label: `${day}: ${count} ${s.name}`,
      };
      below += count;
      return [segment];
    });
    return [{ x: x(day) ?? 0, width: x.bandwidth(), segments }];
  });
  const everyTwoWeeks = days.filter((_, index) => index % 14 === 0);
  return {
    width,
    height,
    columns,
    series: series.map((s, colour) => ({ name: s.name, total: s.values.reduce((a, b) => a + b, 0), colour })),
    yTicks: integerTicks(y.ticks(4)).map((value) => ({ value: String(value), at: y(value) })),
    xTicks: everyTwoWeeks.map((day) => ({ value: day.slice(5), at: (x(day) ?? 0) + x.bandwidth() / 2 })),
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
