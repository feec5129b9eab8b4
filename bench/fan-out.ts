/**
 * Fan-out of one edition to a million subscribers: Paperboy's single INSERT … SELECT beside a
 * loop in Node that inserts one deliveries row per subscriber, in one run on one database.
 *
 * The subscribers are spread over time zones, delivery hours and weekdays, so every row's due
 * time is computed with AT TIME ZONE as in production. The loop is run on a sample and its
 * per-row cost scaled up: a million round trips would take too long to wait for.
 *
 *   npm run bench:fan-out [-- --subscribers 1000000 --loop-sample 20000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one (slow at this size: use PostgreSQL).
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { fanOut, sendDay } from '../src/delivery/fan-out.ts';
import type { Edition } from '../src/digest/editions.ts';
import { startProgress } from '../src/progress.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { reportFigures } from './lib/figures.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '1000000' },
    'loop-sample': { type: 'string', default: '20000' },
  },
});
const SUBSCRIBERS = Number(values.subscribers);
const LOOP_SAMPLE = Math.min(Number(values['loop-sample']), SUBSCRIBERS);
const CHUNK = 50_000;
const TIME_ZONES = [
  'UTC',
  'Europe/Berlin',
  'Europe/London',
  'America/New_York',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
];

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const database = await createScratchDatabase(server);
  const pool = createPool(database.url, 4);
  try {
    await migrate(pool);
    console.log(`database: ${server ? new URL(server).host : 'embedded PGlite'}`);

    // subscribers in chunks, so the progress shows (one statement each)
    const adding = startProgress('adding subscribers', SUBSCRIBERS / CHUNK);
    for (let from = 1; from <= SUBSCRIBERS; from += CHUNK) {
      await pool.query(
        `INSERT INTO subscribers (email, status, confirmed_at, frequency, timezone, delivery_hour, weekday)
         SELECT 'reader' || g || '@example.org', 'active', now(), 'daily',
                ($3::text[])[1 + g % array_length($3::text[], 1)], g % 24, 1 + g % 7
         FROM generate_series($1::int, $2::int) g`,
        [from, Math.min(from + CHUNK - 1, SUBSCRIBERS), TIME_ZONES],
      );
      adding.increment();
    }
    adding.stop();
    await pool.query('ANALYZE subscribers');

    const edition = async (day: string): Promise<Edition> => {
      const { rows } = await pool.query<{ id: number }>(
        `INSERT INTO editions (frequency, day, status) VALUES ('daily', $1, 'ready') RETURNING id`,
        [day],
      );
      return { id: rows[0]!.id, frequency: 'daily', day, status: 'ready' } as Edition;
    };

    // Paperboy: one statement
    const daily = await edition('2026-07-28');
    let started = performance.now();
    const added = await fanOut(pool, daily, { now: false });
    const fanOutMs = performance.now() - started;
    started = performance.now();
    const again = await fanOut(pool, daily, { now: false });
    const againMs = performance.now() - started;
    const { rows: check } = await pool.query<{ rows: number; hours: number }>(
      `SELECT count(*)::int AS rows, count(DISTINCT extract(hour FROM due_at AT TIME ZONE 'UTC'))::int AS hours
       FROM deliveries WHERE edition_id = $1`,
      [daily.id],
    );

    // a loop in Node: read the subscribers, insert one row each, due time computed the same way
    const other = await edition('2026-07-29');
    const { rows: sample } = await pool.query<{ id: string; timezone: string; delivery_hour: number }>(
      `SELECT id, timezone, delivery_hour FROM subscribers ORDER BY id LIMIT $1`,
      [LOOP_SAMPLE],
    );
    const looping = startProgress('loop in Node, one INSERT per subscriber', sample.length);
    started = performance.now();
    for (const subscriber of sample) {
      await pool.query(
        `INSERT INTO deliveries (kind, subscriber_id, edition_id, due_at)
         VALUES ('digest', $1, $2, ($3::date + make_interval(hours => $4)) AT TIME ZONE $5)
         ON CONFLICT (subscriber_id, edition_id) DO NOTHING`,
        [subscriber.id, other.id, sendDay(other), subscriber.delivery_hour, subscriber.timezone],
      );
      looping.increment();
    }
    looping.stop();
    const loopMs = performance.now() - started;
    const loopPerRowUs = (loopMs * 1000) / sample.length;
    const loopScaledMs = (loopPerRowUs * SUBSCRIBERS) / 1000;

    console.log(`\nfan-out of one edition to ${SUBSCRIBERS.toLocaleString('en')} daily subscribers`);
    console.log(
      `INSERT … SELECT (Paperboy): ${added.toLocaleString('en')} rows in ${seconds(fanOutMs)} = ${Math.round(added / (fanOutMs / 1000)).toLocaleString('en')} rows/s`,
    );
    console.log(
      `  again (idempotent): ${again} rows added in ${seconds(againMs)}; rows for the edition: ${check[0]!.rows.toLocaleString('en')}, due at ${check[0]!.hours} different UTC hours`,
    );
    console.log(
      `loop in Node: ${sample.length.toLocaleString('en')} rows in ${seconds(loopMs)} = ${loopPerRowUs.toFixed(0)} µs a row; ${SUBSCRIBERS.toLocaleString('en')} would take ${seconds(loopScaledMs)}`,
    );
    console.log(`the single statement is ${(loopScaledMs / fanOutMs).toFixed(1)}× faster`);
    reportFigures([
      {
        scenario: 'fan-out',
        name: `one edition to ${SUBSCRIBERS.toLocaleString('en')} subscribers, one INSERT … SELECT`,
        value: fanOutMs / 1000,
        unit: 's',
        baseline: { name: 'one INSERT per subscriber, scaled from a sample', value: loopScaledMs / 1000 },
      },
    ]);
  } finally {
    await pool.end();
    await database.drop();
  }
}

await main();
