/**
 * `paperboy subscribers import` of a 100,000-row CSV (the target: under 10 s on PostgreSQL), beside
 * a baseline that inserts one row per statement, in one run on one database. The baseline runs on
 * a sample and its per-row cost is scaled up: 100,000 round trips would take long to wait for.
 * Both go through the same validation (importCsv's row checks are the same for each row).
 *
 *   npm run bench:import [-- --rows 100000 --baseline-sample 5000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */

import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { startProgress } from '../src/progress.ts';
import { AddressHasher } from '../src/subscribers/address-hash.ts';
import { importCsv } from '../src/subscribers/csv.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { importSubscribers } from '../src/subscribers/records.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { reportFigures } from './lib/figures.ts';

const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '100000' },
    'baseline-sample': { type: 'string', default: '5000' },
  },
});
const ROWS = Number(values.rows);
const SAMPLE = Math.min(Number(values['baseline-sample']), ROWS);
const ZONES = ['UTC', 'Europe/Paris', 'America/New_York', 'Asia/Tokyo'];

function csv(rows: number, prefix: string): string {
  const lines = ['email,frequency,weekday,keywords,keyword_mode,timezone,delivery_hour,max_papers'];
  for (let i = 1; i <= rows; i++)
    lines.push(
      `${prefix}${i}@example.org,${i % 5 === 0 ? 'weekly' : 'daily'},${1 + (i % 7)},"agents, diffusion",boost,${ZONES[i % ZONES.length]},${i % 24},10`,
    );
  return `${lines.join('\n')}\n`;
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const database = await createScratchDatabase(server);
  const pool = createPool(database.url, 4);
  const hasher = new AddressHasher('bench-secret-key-0123456789abcdef0123');
  try {
    await migrate(pool);
    console.log(`database: ${server ? new URL(server).host : 'embedded PGlite'}`);

    const text = csv(ROWS, 'reader');
    const progress = startProgress('importing', ROWS);
    const started = performance.now();
    const report = await importCsv({
      pool,
      hasher,
      input: Readable.from([text]),
      update: false,
      onRow: () => progress.increment(),
    });
    const batched = performance.now() - started;
    progress.stop();
    if (report.added !== ROWS) throw new Error(`expected ${ROWS} added, got ${JSON.stringify(report)}`);

    // the baseline: the same rows, one INSERT each
    const row = (i: number) => ({
      email: `single${i}@example.org`,
      preferences: DEFAULT_PREFERENCES,
      status: 'active' as const,
    });
    const baselineStarted = performance.now();
    for (let i = 1; i <= SAMPLE; i++) await importSubscribers(pool, hasher, [row(i)], false);
    const perRow = (performance.now() - baselineStarted) / SAMPLE;

    const rate = (ms: number, n: number) => Math.round((n / ms) * 1000).toLocaleString('en');
    console.log(`\n| import of ${ROWS.toLocaleString('en')} rows | time | rows/s |`);
    console.log('|---|---|---|');
    console.log(
      `| Paperboy (csv-parse, batches of 5,000, one transaction) | ${(batched / 1000).toFixed(2)} s | ${rate(batched, ROWS)} |`,
    );
    console.log(
      `| baseline: one INSERT per row (${SAMPLE.toLocaleString('en')} rows, scaled) | ${((perRow * ROWS) / 1000).toFixed(1)} s | ${rate(perRow, 1)} |`,
    );
    console.log(`\ntarget: under 10 s on PostgreSQL: ${batched < 10_000 ? 'met' : 'NOT met'}`);
    reportFigures([
      {
        scenario: 'import',
        name: `import of ${ROWS} rows`,
        value: batched / 1000,
        unit: 's',
        baseline: { name: 'one INSERT per row, scaled', value: (perRow * ROWS) / 1000 },
        target: { bound: 10, better: 'lower' },
      },
    ]);
  } finally {
    await pool.end();
    await database.drop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
