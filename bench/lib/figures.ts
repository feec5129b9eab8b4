import { writeFileSync } from 'node:fs';

/**
 * A figure a benchmark measured, beside what it is compared with. Each benchmark script prints its
 * own report; with BENCH_FIGURES set to a file path it also writes its figures there as JSON, which
 * is how `npm run bench` (bench/all.ts) gathers every scenario into one table.
 */
export interface Figure {
  scenario: string;
  /** What was measured, in words. */
  name: string;
  value: number;
  unit: string;
  /** The figure it is compared with, measured in the same run. */
  baseline?: { name: string; value: number };
  /** The bound, when there is one: `value` (or value / baseline, with `ratio`) must meet it. */
  target?: { bound: number; better: 'higher' | 'lower'; ratio?: boolean };
}

/** Whether a figure meets its target; undefined when it has none. */
export function meets(figure: Figure): boolean | undefined {
  const { target, baseline, value } = figure;
  if (!target) return undefined;
  const measured = target.ratio && baseline ? value / baseline.value : value;
  return target.better === 'higher' ? measured >= target.bound : measured <= target.bound;
}

/** Writes the figures for bench/all.ts when it asked for them (BENCH_FIGURES); prints nothing. */
export function reportFigures(figures: Figure[]): void {
  const file = process.env.BENCH_FIGURES;
  if (file) writeFileSync(file, `${JSON.stringify(figures, null, 2)}\n`);
}
