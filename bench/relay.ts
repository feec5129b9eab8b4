/**
 * Paperboy against relays as they really come, each played by the sink in another process:
 * - **throttling**: a relay admitting 30 messages a second and answering `454 Throttling failure`
 *   above it (as Amazon SES does). Target: ≥ 0.9 × 30/s sustained, nothing failed, nothing
 *   missing, ≤ 5 % of tries refused.
 * - **far away**: every reply 50 ms late, over 5 and 20 connections: the pipeline beside a bare
 *   Nodemailer pool with the same settings (connections, messages per connection, in flight),
 *   in the same run. Targets: ≥ 0.9 of the bare pool and ≥ 0.8 of what two round trips per
 *   message allow with PIPELINING, connections ÷ (2 × 50 ms).
 *
 *   npm run bench:relay [-- --quick] [-- --connections 5,20] [-- --only far|throttling]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) on that PostgreSQL server, else the embedded database.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createServices, type Services } from '../src/services.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { type Figure, reportFigures } from './lib/figures.ts';
import { addSubscribers, pipeline } from './lib/pipeline.ts';
import { prebuilt, sampleDigest, sendMany, startSink } from './lib/sink.ts';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    connections: { type: 'string', default: '5,20' },
    only: { type: 'string' },
  },
});
const QUICK = values.quick;
const DAY = '2026-07-29';
const ADMIT_PER_SECOND = 30;
const THROTTLED_READERS = QUICK ? 150 : 600;
const REPLY_DELAY_MS = 50;
const FAR_CONNECTIONS = QUICK ? [5] : values.connections.split(',').map(Number);
/** Readers per connection in the far-relay runs: 500 over 5 connections, as the issue measured. */
const FAR_READERS_PER_CONNECTION = QUICK ? 20 : 100;
const LIST_HEADERS = { 'List-Id': 'Paperboy daily digest <daily.paperboy.paperboy.example.org>' };

async function withServices<T>(
  env: Record<string, string>,
  run: (services: Services) => Promise<T>,
): Promise<T> {
  const services = await createServices(loadConfig(env), pino({ level: 'warn' }));
  try {
    return await run(services);
  } finally {
    await services.close();
  }
}

async function throttling(baseEnv: Record<string, string>): Promise<Figure[]> {
  const sink = await startSink({ admitPerSecond: ADMIT_PER_SECOND });
  try {
    return await withServices({ ...baseEnv, SMTP_URL: sink.url }, async (services) => {
      const { pool } = services.db;
      await pool.query('TRUNCATE subscribers CASCADE');
      await pool.query('UPDATE send_pacer SET rate = NULL, rate_at = NULL, throttled_at = NULL');
      await addSubscribers(services, THROTTLED_READERS, 0);
      let refused = 0;
      services.sender.events.on('relayError', (code) => {
        if (code === '454') refused++;
      });
      const started = performance.now();
      // a refused message goes back to the queue: drain again until nothing is left
      let sent = (await pipeline(services, DAY)).sent;
      const { edition } = await services.editions.build('daily', DAY);
      while (sent < THROTTLED_READERS) {
        const counts = await services.sender.drain(edition.id);
        sent += counts.sent;
        if (counts.sent + counts.retry + counts.failed === 0) await new Promise((r) => setTimeout(r, 100));
        if (performance.now() - started > 300_000) break;
      }
      const seconds = (performance.now() - started) / 1000;
      const { rows } = await pool.query(
        `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status = 'failed')::int AS failed,
           count(*) FILTER (WHERE status NOT IN ('sent', 'failed'))::int AS missing FROM deliveries WHERE edition_id = $1`,
        [edition.id],
      );
      const { sent: ledgerSent, failed, missing } = rows[0];
      const rate = ledgerSent / seconds;
      const refusedShare = refused / (ledgerSent + refused);
      console.log(
        `throttling relay (${ADMIT_PER_SECOND}/s admitted, 454 above): ${THROTTLED_READERS} readers, ${ledgerSent} sent in ${seconds.toFixed(1)} s = ${rate.toFixed(1)}/s; ${failed} failed, ${missing} missing; ${refused} of ${ledgerSent + refused} tries refused (${(refusedShare * 100).toFixed(1)} %)`,
      );
      return [
        {
          scenario: 'relay',
          name: `throttling relay admitting ${ADMIT_PER_SECOND}/s, ${THROTTLED_READERS} readers: sustained rate`,
          value: rate,
          unit: '/s',
          baseline: { name: 'the rate the relay admits', value: ADMIT_PER_SECOND },
          target: { bound: 0.9, better: 'higher', ratio: true },
        },
        {
          scenario: 'relay',
          name: 'throttling relay: deliveries failed or missing',
          value: failed + missing,
          unit: '',
          target: { bound: 0, better: 'lower' },
        },
        {
          scenario: 'relay',
          name: 'throttling relay: share of tries refused',
          value: refusedShare * 100,
          unit: '%',
          target: { bound: 5, better: 'lower' },
        },
      ];
    });
  } finally {
    sink.stop();
  }
}

async function farAway(baseEnv: Record<string, string>): Promise<Figure[]> {
  const sink = await startSink({ replyDelayMs: REPLY_DELAY_MS });
  const figures: Figure[] = [];
  try {
    for (const connections of FAR_CONNECTIONS) {
      const readers = connections * FAR_READERS_PER_CONNECTION;
      const env = { ...baseEnv, SMTP_URL: sink.url, SMTP_MAX_CONNECTIONS: String(connections) };
      await withServices(env, async (services) => {
        const { config } = services;
        const { pool } = services.db;
        await pool.query('TRUNCATE subscribers CASCADE');
        await pool.query('UPDATE send_pacer SET rate = NULL, rate_at = NULL, throttled_at = NULL');
        await addSubscribers(services, readers, 0);
        const { edition } = await services.editions.build('daily', DAY);
        const sample = await sampleDigest(services, edition, LIST_HEADERS);
        const settings = {
          connections,
          perConnection: config.smtpMaxMessages,
          inFlight: config.senderMaxInFlight,
        };
        // bare pool, pipeline, bare pool again: drift weighs on both
        const bareBefore = await sendMany(
          sink.url,
          readers,
          settings,
          prebuilt(sample.raw),
          `bare pool, ${connections} connections`,
        );
        const { rate } = await pipeline(services, DAY);
        const bareAfter = await sendMany(
          sink.url,
          readers,
          settings,
          prebuilt(sample.raw),
          `bare pool again`,
        );
        const bare = 2 / (1 / bareBefore + 1 / bareAfter);
        const limit = connections / ((2 * REPLY_DELAY_MS) / 1000);
        console.log(
          `far relay (${REPLY_DELAY_MS} ms replies), ${connections} connections, ${readers} readers: pipeline ${rate.toFixed(1)}/s, bare pool ${bare.toFixed(1)}/s (${bareBefore.toFixed(1)} before, ${bareAfter.toFixed(1)} after): ${(rate / bare).toFixed(2)} of it; round-trip limit ${limit}/s: ${(rate / limit).toFixed(2)} of it`,
        );
        figures.push(
          {
            scenario: 'relay',
            name: `far relay, replies ${REPLY_DELAY_MS} ms late, ${connections} connections, ${readers} readers`,
            value: rate,
            unit: '/s',
            baseline: { name: 'bare Nodemailer pool, same settings', value: bare },
            target: { bound: 0.9, better: 'higher', ratio: true },
          },
          {
            scenario: 'relay',
            name: `far relay, ${connections} connections: against the round-trip limit`,
            value: rate,
            unit: '/s',
            baseline: { name: `connections ÷ (2 × ${REPLY_DELAY_MS} ms)`, value: limit },
            target: { bound: 0.8, better: 'higher', ratio: true },
          },
        );
      });
    }
  } finally {
    sink.stop();
  }
  return figures;
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const baseEnv = { ...BENCH_ENV, DATABASE_URL: db.url, SMTP_URL: 'smtp://127.0.0.1:1' };
  try {
    await withServices(baseEnv, async (services) => {
      await ingestDays(services.db.pool, new FileSource(SAMPLE_DIR), [DAY], services.log);
    });
    const figures: Figure[] = [];
    if (values.only !== 'throttling') figures.push(...(await farAway(baseEnv)));
    if (values.only !== 'far') figures.push(...(await throttling(baseEnv)));
    reportFigures(figures);
  } finally {
    await db.drop();
  }
}

await main();
