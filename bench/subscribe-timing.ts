/**
 * Does the answer's time tell a known address from a new one? `POST /api/subscriptions` for
 * addresses never seen, addresses already subscribed, and addresses asked for within the last
 * 10 minutes (no new mail), interleaved so drift in the machine's speed hits all three alike;
 * prints the medians side by side. The answer is the same words for all three (a test checks);
 * this is about time.
 *
 *   npm run bench:subscribe-timing [-- --rounds 2000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { startProgress } from '../src/progress.ts';
import { createServices } from '../src/services.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '2000' } } });
const ROUNDS = Number(values.rounds);

const median = (samples: number[]) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};
const percentile = (samples: number[], p: number) => {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length * p)] ?? Number.NaN;
};

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...BENCH_ENV,
    LOG_LEVEL: 'silent',
    RATE_LIMIT_MAX: '1000000',
  });
  const app = await buildApp(config, await createServices(config, pino({ level: 'silent' })));
  try {
    const pool = app.services.db.pool;
    // known addresses: subscribed, their last confirmation long ago (the form may mail them)
    await pool.query(
      `INSERT INTO subscribers (email, status, confirmed_at, confirmation_sent_at)
       SELECT 'known' || g || '@example.org', 'active', now(), now() - interval '1 day'
       FROM generate_series(1, $1) g`,
      [ROUNDS],
    );
    const post = async (email: string) => {
      const started = performance.now();
      const response = await app.inject({ method: 'POST', url: '/api/subscriptions', payload: { email } });
      const ms = performance.now() - started;
      if (response.statusCode !== 202) throw new Error(`${email}: ${response.statusCode} ${response.body}`);
      return ms;
    };
    // warm up: JIT, pool connections, plan caches
    for (let i = 0; i < 200; i++) await post(`warm${i}@example.org`);

    const times = { new: [] as number[], known: [] as number[], 'asked within 10 min': [] as number[] };
    const progress = startProgress('subscribe timing', ROUNDS);
    for (let i = 1; i <= ROUNDS; i++) {
      const order = [
        ['new', `new${i}@example.org`],
        ['known', `known${i}@example.org`],
        ['asked within 10 min', `known${i}@example.org`],
      ] as const;
      // the third must follow the second (it is the same address again); the first goes anywhere
      if (i % 2) times.new.push(await post(order[0][1]));
      times.known.push(await post(order[1][1]));
      times['asked within 10 min'].push(await post(order[2][1]));
      if (!(i % 2)) times.new.push(await post(order[0][1]));
      progress.increment();
    }
    progress.stop();
    console.log(
      `database: ${server ? new URL(server).host : 'embedded PGlite'}; ${ROUNDS} requests of each kind`,
    );
    console.log('| address | median | p90 |');
    console.log('|---|---|---|');
    for (const [kind, samples] of Object.entries(times))
      console.log(
        `| ${kind} | ${median(samples).toFixed(3)} ms | ${percentile(samples, 0.9).toFixed(3)} ms |`,
      );
    console.log(
      `known / new median: ${(median(times.known) / median(times.new)).toFixed(3)}; asked-again / new: ${(median(times['asked within 10 min']) / median(times.new)).toFixed(3)}`,
    );
  } finally {
    await app.close();
    await app.services.close();
    await db.drop();
  }
}

await main();
