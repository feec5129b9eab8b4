/**
 * The delivery pipeline against the raw limit of the same SMTP path, in one run.
 *
 * An SMTP sink runs as a separate process. First the raw limit: Nodemailer's pooled transport
 * sending one rendered digest again and again over SMTP_MAX_CONNECTIONS connections, as fast
 * as the sink takes it. Then Paperboy's whole pipeline for the same number of subscribers over
 * the same connections: fan-out, claiming, personalising (50 keyword profiles; LEARNED of the
 * readers with answers of their own, so a ranking of their own), rendering, sending, and the
 * ledger updates. Worker memory (RSS) is sampled throughout, at two sizes.
 *
 *   npm run bench:delivery [-- --subscribers 50000 --small 10000 --learned 20000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import nodemailer from 'nodemailer';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { createScratchDatabase } from '../src/db/scratch-database.ts';
import { fanOut } from '../src/delivery/fan-out.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { startProgress } from '../src/progress.ts';
import { createServices, type Services } from '../src/services.ts';
import { addReaderAnswers } from './reader-answers.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '50000' },
    small: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '5' },
    learned: { type: 'string', default: '20000' },
  },
});
/** Readers with "more / less like this" answers of their own: each gets a ranking of their own. */
const LEARNED = Number(values.learned);
const LARGE = Number(values.subscribers);
const SMALL = Number(values.small);
const CONNECTIONS = Number(values.connections);

async function startSink(): Promise<{ url: string; stop(): void }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', new URL('./smtp-sink.ts', import.meta.url).pathname],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const port = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      const match = /listening (\d+)/.exec(String(chunk));
      if (match?.[1]) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`sink exited with ${code}`)));
  });
  return { url: `smtp://127.0.0.1:${port}`, stop: () => child.kill('SIGTERM') };
}

/** RSS sampled every 200 ms while fn runs. */
async function withMemory<T>(fn: () => Promise<T>): Promise<{ result: T; peakMb: number; startMb: number }> {
  const mb = () => process.memoryUsage().rss / 1024 / 1024;
  const startMb = mb();
  let peakMb = startMb;
  const timer = setInterval(() => {
    peakMb = Math.max(peakMb, mb());
  }, 200);
  try {
    return { result: await fn(), peakMb, startMb };
  } finally {
    clearInterval(timer);
  }
}

async function addSubscribers(services: Services, count: number, offset: number) {
  // 50 keyword profiles, every one in boost mode so everyone gets mail
  const profiles = [
    'LoRA',
    'diffusion',
    'regression',
    'language',
    'neural',
    'learning',
    'model',
    'network',
    'data',
    'scaling',
  ];
  await services.db.pool.query(
    `INSERT INTO subscribers (email, status, confirmed_at, keywords, max_papers)
     SELECT 'reader' || g || '@example.org', 'active', now(),
            ARRAY[($2::text[])[1 + g % 10], ($2::text[])[1 + (g / 10) % 5]], 5 + g % 3 * 5
     FROM generate_series($3 + 1, $3 + $1) g`,
    [count, profiles, offset],
  );
}

async function raw(
  sinkUrl: string,
  html: string,
  text: string,
  count: number,
  inFlight: number,
): Promise<number> {
  const transport = nodemailer.createTransport({
    url: sinkUrl,
    pool: true,
    maxConnections: CONNECTIONS,
    maxRequeues: 0,
  });
  const started = performance.now();
  const progress = startProgress('raw', count);
  let next = 0;
  // the same bound on messages in flight as the sender's
  const lane = async () => {
    while (next < count) {
      const i = next++;
      await transport.sendMail({
        from: 'Paperboy <bench@example.org>',
        to: `reader${i}@example.org`,
        subject: 'bench',
        html,
        text,
      });
      progress.increment();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  progress.stop();
  transport.close();
  return count / ((performance.now() - started) / 1000);
}

async function pipeline(
  services: Services,
  date: string,
): Promise<{ rate: number; fanOutMs: number; sent: number }> {
  const started = performance.now();
  const { edition } = await services.editions.build('daily', date);
  const fanned = await fanOut(services.db.pool, edition, { now: true });
  const fanOutMs = performance.now() - started;
  const progress = startProgress(`pipeline ${date}`, fanned);
  const onOutcome = () => progress.increment();
  services.sender.events.on('outcome', onOutcome);
  const counts = await services.sender.drain(edition.id);
  progress.stop();
  return { rate: counts.sent / ((performance.now() - started) / 1000), fanOutMs, sent: counts.sent };
}

async function main() {
  const sink = await startSink();
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const config = loadConfig({
    DATABASE_URL: db.url,
    SMTP_URL: sink.url,
    SMTP_MAX_CONNECTIONS: String(CONNECTIONS),
    SECRET_KEY: 'bench-secret-key-0123456789abcdef0123456789',
    PUBLIC_URL: 'https://paperboy.example.org',
    DATA_DIR: '/tmp/paperboy-bench',
    LOG_LEVEL: 'warn',
    SENDER_BATCH_SIZE: '100',
    SENDER_MAX_IN_FLIGHT: process.env.SENDER_MAX_IN_FLIGHT,
  });
  const services = await createServices(config, pino({ level: 'warn' }));
  try {
    const source = new FileSource(SAMPLE_DIR);
    await ingestDays(services.db.pool, source, await source.availableDays(), services.log);
    console.log(
      `database: ${server ? new URL(server).host : 'embedded PGlite'}; ${CONNECTIONS} SMTP connections to a sink in another process`,
    );

    // the same bytes as a typical digest, for the raw run
    await addSubscribers(services, SMALL, 0);
    const small = await withMemory(() => pipeline(services, '2026-03-10'));
    await addSubscribers(services, LARGE - SMALL, SMALL);
    await addReaderAnswers(services.db.pool, LEARNED);
    const { edition } = await services.editions.build('daily', '2026-03-12');
    // the same bytes as a typical digest, with a reader's real links ("more / less like this" too)
    const reader = {
      id: '00000000-0000-4000-8000-000000000001',
      linkNonce: '00000000-0000-4000-8000-000000000002',
      confirmNonce: '00000000-0000-4000-8000-000000000003',
    };
    const sample = await services.renderer.render(
      edition,
      edition.papers.slice(0, 10).map((paper, i) => ({
        paper,
        rank: i + 1,
        matched: undefined,
        reason: { kind: 'trending' as const },
      })),
      { email: 'reader1@example.org', ...services.links.forDigest(reader) },
    );
    // raw before and after the pipeline, half each: drift in the machine's speed hits both alike
    const rawBefore = await raw(sink.url, sample.html, sample.text, LARGE / 2, config.senderMaxInFlight);
    const large = await withMemory(() => pipeline(services, '2026-03-12'));
    const rawAfter = await raw(sink.url, sample.html, sample.text, LARGE / 2, config.senderMaxInFlight);
    const rawRate = LARGE / (LARGE / 2 / rawBefore + LARGE / 2 / rawAfter);
    console.log(`raw before the pipeline ${rawBefore.toFixed(0)}/s, after ${rawAfter.toFixed(0)}/s`);

    console.log(
      `\nraw Nodemailer pool, ${LARGE} messages of ${(sample.html.length / 1024).toFixed(1)} KB: ${rawRate.toFixed(0)} messages/s`,
    );
    console.log(
      `pipeline, ${large.result.sent} subscribers: ${large.result.rate.toFixed(0)} messages/s (fan-out ${large.result.fanOutMs.toFixed(0)} ms) = ${(large.result.rate / rawRate).toFixed(2)} of raw`,
    );
    console.log(`  (${LEARNED} of them with answers of their own: a ranking each)`);
    console.log(`pipeline, ${small.result.sent} subscribers: ${small.result.rate.toFixed(0)} messages/s`);
    console.log(
      `worker RSS: ${small.result.sent} subscribers peak ${small.peakMb.toFixed(0)} MB (from ${small.startMb.toFixed(0)}); ${large.result.sent} subscribers peak ${large.peakMb.toFixed(0)} MB (from ${large.startMb.toFixed(0)})`,
    );
  } finally {
    await services.close();
    await db.drop();
    sink.stop();
  }
}

await main();
