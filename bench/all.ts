/**
 * Every benchmark scenario in one run, and one table: each figure beside its baseline (measured
 * in the same scenario run) and its target. Each scenario is its own script, run as its own
 * process so that one's memory and JIT state do not weigh on the next; each writes its figures
 * as JSON (bench/lib/figures.ts), gathered here into one JSON file.
 *
 *   npm run bench [-- --quick] [-- --only delivery,startup] [-- --out bench-results.json] [-- --list]
 * `--quick` runs every scenario small, in about a minute: a smoke check that the benchmarks still
 * run (CI runs it), whose figures mean little. Speed never fails it; a scenario that crashes does.
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) the scenarios use fresh databases on that server,
 * otherwise the embedded one, and those that need PostgreSQL (`needsPostgres`) are skipped, named.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Figure, meets } from './lib/figures.ts';
import { SCENARIOS, type Scenario, STANDALONE } from './scenarios.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    out: { type: 'string', default: 'bench-results.json' },
    list: { type: 'boolean', default: false },
  },
});

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Runs one scenario's script with its output shown, and returns the figures it wrote. */
async function run(scenario: Scenario, dir: string): Promise<Figure[]> {
  const file = path.join(dir, `${scenario.script}.json`);
  const args = [
    '--import',
    'tsx',
    path.join(HERE, scenario.script),
    ...(values.quick ? scenario.quick : scenario.full),
  ];
  console.log(`\n== ${scenario.name}: ${path.join('bench', scenario.script)} ${args.slice(3).join(' ')}`);
  const started = performance.now();
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(process.execPath, args, {
      stdio: 'inherit',
      env: { ...process.env, BENCH_FIGURES: file },
    });
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`${scenario.name} exited with ${code}`);
  console.log(`== ${scenario.name} took ${((performance.now() - started) / 1000).toFixed(1)} s`);
  return JSON.parse(readFileSync(file, 'utf8')) as Figure[];
}

/** A figure as the table shows it; one that could not be measured (NaN, null in JSON) as "–". */
const number = (value: number | null) =>
  value === null || !Number.isFinite(value)
    ? '–'
    : value >= 100
      ? value.toFixed(0)
      : value >= 10
        ? value.toFixed(1)
        : value.toFixed(2);

function describeTarget(figure: Figure): string {
  const { target } = figure;
  if (!target) return '';
  const sign = target.better === 'higher' ? '≥' : '≤';
  return target.ratio
    ? `${sign} ${target.bound} of baseline`
    : `${sign} ${number(target.bound)} ${figure.unit}`;
}

function table(figures: Figure[]): string {
  const rows = figures.map((figure) => {
    const met = meets(figure);
    return [
      figure.scenario,
      figure.name,
      `${number(figure.value)} ${figure.unit}`,
      figure.baseline ? `${number(figure.baseline.value)} ${figure.unit} (${figure.baseline.name})` : '',
      figure.baseline ? (figure.value / figure.baseline.value).toFixed(2) : '',
      describeTarget(figure),
      met === undefined ? '' : met ? 'met' : '**not met**',
    ];
  });
  const header = ['scenario', 'figure', 'value', 'baseline', 'ratio', 'target', ''];
  return [header, header.map(() => '---'), ...rows].map((row) => `| ${row.join(' | ')} |`).join('\n');
}

function printList(): void {
  console.log('Scenarios `npm run bench` runs, in this order (each also alone):');
  for (const s of SCENARIOS)
    console.log(
      `  ${s.name.padEnd(14)} npm run ${s.npmScript.padEnd(22)} ${s.measures}${s.needsPostgres ? ' (PostgreSQL only)' : ''}`,
    );
  console.log('\nRun on their own only:');
  for (const s of STANDALONE) console.log(`  npm run ${s.npmScript.padEnd(22)} ${s.why}`);
}

async function main() {
  if (values.list) return printList();
  const only = values.only?.split(',').map((name) => name.trim());
  const chosen = only ? SCENARIOS.filter((s) => only.includes(s.name) || only.includes(s.script)) : SCENARIOS;
  if (chosen.length === 0) throw new Error(`--only: no scenario named ${values.only}`);
  const dir = mkdtempSync(path.join(tmpdir(), 'paperboy-bench-'));
  const started = performance.now();
  const figures: Figure[] = [];
  const database = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const skipped = database ? [] : chosen.filter((scenario) => scenario.needsPostgres);
  try {
    for (const scenario of chosen) {
      if (skipped.includes(scenario)) {
        console.log(`\n== ${scenario.name}: skipped, it needs PostgreSQL: ${scenario.needsPostgres}`);
        continue;
      }
      figures.push(...(await run(scenario, dir)));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `\n${values.quick ? 'Quick run (a smoke check: figures from small runs)' : 'Full run'} in ${seconds.toFixed(0)} s, on ${database ? 'PostgreSQL' : 'the embedded database'}:\n`,
  );
  console.log(table(figures));
  if (skipped.length > 0)
    console.log(
      `\nSkipped without BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL): ${skipped.map((s) => s.name).join(', ')}`,
    );
  writeFileSync(
    values.out,
    `${JSON.stringify(
      {
        at: new Date().toISOString(),
        quick: values.quick,
        seconds,
        database: database ? 'postgresql' : 'embedded',
        figures: figures.map((f) => ({ ...f, met: meets(f) })),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`\nfigures written to ${values.out}`);
}

await main();
