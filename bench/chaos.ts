/**
 * The delivery promise under crashes and faults: one edition to N subscribers on PostgreSQL,
 * sent by a worker process that is killed with SIGKILL at random moments and restarted, while
 * the database sessions are terminated (pg_terminate_backend) and the relay answers 451 to a
 * share of messages or drops the connection. Then it counts, from what the relay received:
 * subscribers missing (must be 0), duplicate copies per kill (at most DUPLICATES_PER_KILL: a
 * crash resends only what was sent and not yet recorded, and outcomes are written within about
 * one database write of the relay's answer), and the ledger's rows by status, with attempts and
 * expired leases.
 *
 *   npm run chaos [-- --subscribers 5000 --kills 5 --terminations 2 --faults 0.2 --max-attempts 8]
 *   npm run chaos -- --quick   (400 subscribers, 2 kills, 1 termination, 5 s lease)
 * Needs PostgreSQL: BENCH_DATABASE_URL or TEST_DATABASE_URL (a fresh database is made there).
 * Exits 1 when a subscriber is missing or duplicates exceed the bound.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { simpleParser } from 'mailparser';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { sleep } from '../src/backoff.ts';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { fanOut } from '../src/delivery/fan-out.ts';
import { Editions } from '../src/digest/editions.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';

const { values } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '5000' },
    kills: { type: 'string', default: '5' },
    terminations: { type: 'string', default: '2' },
    faults: { type: 'string', default: '0.2' },
    'in-flight': { type: 'string', default: '100' },
    lease: { type: 'string', default: '10' },
    'timeout-seconds': { type: 'string', default: '600' },
    'max-attempts': { type: 'string', default: '8' },
    quick: { type: 'boolean', default: false },
  },
});
if (values.quick) Object.assign(values, { subscribers: '400', kills: '2', terminations: '1', lease: '5' });
/** The bound on copies sent twice per SIGKILL. */
const DUPLICATES_PER_KILL = 10;
const MAX_ATTEMPTS = Number(values['max-attempts']);
const SUBSCRIBERS = Number(values.subscribers);
const KILLS = Number(values.kills);
const TERMINATIONS = Number(values.terminations);
const FAULTS = Number(values.faults);
const IN_FLIGHT = Number(values['in-flight']);
const LEASE_SECONDS = Number(values.lease);
const TIMEOUT_MS = Number(values['timeout-seconds']) * 1000;
const BIN = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));

const say = (line: string) => console.log(`[chaos ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** A relay that answers 451 or drops the connection on a share of messages, and counts the rest. */
async function startFaultyRelay(faultShare: number) {
  const received = new Map<string, number>();
  let faults = 0;
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const roll = Math.random();
      if (roll < faultShare / 2) {
        faults++;
        stream.resume();
        stream.on('end', () =>
          callback(Object.assign(new Error('4.3.0 try again later'), { responseCode: 451 })),
        );
        return;
      }
      if (roll < faultShare) {
        faults++;
        stream.resume();
        // cut this connection mid-transaction, as a relay that crashes would
        stream.on('end', () => {
          for (const connection of (
            server as unknown as { connections: Set<{ session: unknown; _socket: { destroy(): void } }> }
          ).connections)
            if (connection.session === session) connection._socket.destroy();
        });
        return;
      }
      simpleParser(stream).then(
        (mail) => {
          const to = (mail.to as { text: string } | undefined)?.text ?? '?';
          received.set(to, (received.get(to) ?? 0) + 1);
          callback(null);
        },
        (error) => callback(error),
      );
    },
  });
  server.on('error', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `smtp://127.0.0.1:${(server.server.address() as AddressInfo).port}`,
    received,
    faults: () => faults,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let workerFailed = false;
let stopping = false;

/** The worker's own words, shown when it exits by itself (not killed here). */
function startWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, [BIN, 'worker'], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk).slice(-5000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (process.env.CHAOS_WORKER_LOG_LEVEL) child.stdout?.on('data', (chunk) => process.stdout.write(chunk));
  child.on('exit', (code, signal) => {
    if (!stopping && signal !== 'SIGKILL' && signal !== 'SIGTERM') {
      say(`worker exited by itself (${code}): ${output}`);
      workerFailed = true;
    }
  });
  return child;
}

/** Waits for a child to exit, at once if it has already. */
function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

async function statusCounts(pool: pg.Pool): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(
    'SELECT status, count(*)::int AS n FROM deliveries GROUP BY status ORDER BY status',
  );
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!server) throw new Error('chaos needs PostgreSQL: set BENCH_DATABASE_URL or TEST_DATABASE_URL');
  const db = await createScratchDatabase(server);
  const relay = await startFaultyRelay(FAULTS);
  const pool = createPool(db.url, 4);
  const admin = new pg.Client({ connectionString: db.url });
  let worker: ChildProcess | undefined;
  try {
    await migrate(pool);
    const log = (await import('pino')).default({ level: 'silent' });
    const source = new FileSource(SAMPLE_DIR);
    await ingestDays(pool, source, await source.availableDays(), log);
    await pool.query(
      `INSERT INTO subscribers (email, status, confirmed_at)
       SELECT 'reader' || g || '@example.org', 'active', now() FROM generate_series(1, $1) g`,
      [SUBSCRIBERS],
    );
    const { edition } = await new Editions(pool).build('daily', '2026-07-29');
    const added = await fanOut(pool, edition, { now: true });
    say(`${added} deliveries due; relay faults on ${Math.round(FAULTS * 100)}% of messages`);
    if (added === 0)
      throw new Error(
        `the edition of ${edition.day} has nothing to send (${edition.status}: ${edition.emptyReason})`,
      );
    await admin.connect();

    const env = {
      // named, so that the terminations below hit the worker's sessions and nobody else's
      DATABASE_URL: `${db.url}?application_name=chaos-worker`,
      SMTP_URL: relay.url,
      SECRET_KEY: 'chaos-secret-key-0123456789abcdef0123456789',
      PUBLIC_URL: 'https://paperboy.example.org',
      LOG_LEVEL: process.env.CHAOS_WORKER_LOG_LEVEL ?? 'warn',
      SENDER_MAX_IN_FLIGHT: String(IN_FLIGHT),
      SENDER_BATCH_SIZE: String(Math.min(50, IN_FLIGHT)),
      SENDER_POLL_MS: '200',
      DELIVERY_LEASE_SECONDS: String(LEASE_SECONDS),
      DELIVERY_RETRY_BASE_SECONDS: '1',
      DELIVERY_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      DELIVERY_RETRY_MAX_SECONDS: '4',
      DB_POOL_SIZE: '4',
      INGEST_CRON: '0 0 1 1 *',
      EDITION_CRON: '0 0 1 1 *',
    };
    worker = startWorker(env);
    const started = Date.now();
    // the faults begin once mail is going out
    while (((await statusCounts(pool)).pending ?? 0) === added) {
      if (workerFailed) throw new Error('the worker stopped by itself: see above');
      await sleep(200);
    }
    let kills = 0;
    let terminations = 0;
    const finished = async () => {
      const counts = await statusCounts(pool);
      return !counts.pending && !counts.sending;
    };
    /** Until the (re)started worker is connected: a fault before that would hit nothing. */
    const workerConnected = async () => {
      for (;;) {
        const { rows } = await admin.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'chaos-worker'`,
        );
        if ((rows[0]?.n ?? 0) > 0) return;
        if (workerFailed) throw new Error('the worker stopped by itself: see above');
        await sleep(100);
      }
    };
    // the faults, at random moments while mail is going out
    while (kills < KILLS || terminations < TERMINATIONS) {
      await workerConnected();
      await sleep(500 + Math.random() * 2500);
      if (Date.now() - started > TIMEOUT_MS) break;
      if (kills < KILLS && (terminations >= TERMINATIONS || Math.random() < 0.7)) {
        worker.kill('SIGKILL');
        await exited(worker);
        kills++;
        say(`kill ${kills}: worker SIGKILLed; ${JSON.stringify(await statusCounts(pool))}; restarting`);
        worker = startWorker(env);
      } else {
        const { rowCount } = await admin.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
           WHERE datname = current_database() AND application_name = 'chaos-worker'`,
        );
        terminations++;
        say(`termination ${terminations}: ${rowCount} database sessions terminated`);
      }
    }
    while (!(await finished())) {
      if (Date.now() - started > TIMEOUT_MS) throw new Error(`not finished in ${TIMEOUT_MS / 1000} s`);
      if (workerFailed) throw new Error('the worker stopped by itself: see above');
      await sleep(1000);
      say(`waiting: ${JSON.stringify(await statusCounts(pool))}`);
    }
    // a worker that exits has finished what it sent: nothing more can arrive at the relay
    stopping = true;
    worker.kill('SIGTERM');
    await exited(worker);

    const counts = await statusCounts(pool);
    const { rows } = await pool.query<{ attempts: number; expired: number; local: number; most: number }>(
      `SELECT sum(attempts)::int AS attempts, sum(expired_leases)::int AS expired, sum(local_failures)::int AS local,
         max(attempts)::int AS most FROM deliveries`,
    );
    const copies = [...relay.received.values()].reduce((a, b) => a + b, 0);
    const missing = SUBSCRIBERS - relay.received.size;
    const duplicates = copies - relay.received.size;
    const bound = DUPLICATES_PER_KILL * Math.max(1, kills);
    console.log(`
subscribers ${SUBSCRIBERS}, kills ${kills}, database terminations ${terminations}, relay faults ${relay.faults()}
seconds ${((Date.now() - started) / 1000).toFixed(1)}
missing ${missing} (must be 0)
duplicates ${duplicates}, ${(duplicates / Math.max(1, kills)).toFixed(1)} per kill (bound: ${DUPLICATES_PER_KILL} per kill × ${kills} kills = ${bound}; the in-flight window is ${IN_FLIGHT})
rows by status ${JSON.stringify(counts)}
attempts ${rows[0]?.attempts} (most for one delivery ${rows[0]?.most}), expired leases ${rows[0]?.expired}, failures before SMTP ${rows[0]?.local}`);
    if (missing > 0 || duplicates > bound || counts.failed) process.exitCode = 1;
  } finally {
    worker?.kill('SIGKILL');
    await admin.end().catch(() => undefined);
    await pool.end();
    await relay.close();
    await db.drop();
  }
}

await main();
