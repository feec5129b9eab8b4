/**
 * The subscribe API under load against its floor, in one run: autocannon on loopback drives
 * Paperboy's `POST /api/subscriptions` (validation, the subscriber, their request and the queued
 * confirmation, in one statement) and a bare Fastify route doing one INSERT on the same pool.
 * First each as fast as it answers (the same connections, runs of a set time), then
 * the subscribe API held at a fixed rate, for its latency.
 *
 *   npm run bench:subscribe-api [-- --seconds 4 --connections 20 --rate 1000]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one. Every address is new: each request stores a subscriber.
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import Fastify from 'fastify';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { buildApp } from '../src/http/app.ts';
import { createServices } from '../src/services.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { postgresTicks, TICK_US, ticksOf } from './lib/cpu.ts';
import { type Figure, reportFigures } from './lib/figures.ts';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '20' },
    rate: { type: 'string', default: '1000' },
    serve: { type: 'boolean', default: false },
  },
});
/**
 * Each run lasts this long. Runs are timed, not counted: autocannon ends a run of a set number of
 * requests only at its next one-second tick, which makes a fast route look as slow as a slow one.
 */
const SECONDS = Number(values.seconds);
const CONNECTIONS = Number(values.connections);
const RATE = Number(values.rate);
/** The issue's bounds: a share of the bare route's throughput, and the p99 at RATE. */
const TARGET_SHARE = 0.6;
const TARGET_P99_MS = 50;

let next = 0;
/** autocannon requests, each with an address never used before. */
const subscribeRequests = (path: string): autocannon.Request[] => [
  {
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    setupRequest: (request) => ({
      ...request,
      body: JSON.stringify({ email: `load${next++}@example.org`, frequency: 'daily' }),
    }),
  },
];

/** The servers' process, for the CPU each request costs it. */
let serverPid = 0;

async function drive(url: string, path: string, options: Partial<autocannon.Options> = {}) {
  const before = { server: ticksOf(serverPid), postgres: postgresTicks(), load: process.cpuUsage() };
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: SECONDS,
    requests: subscribeRequests(path),
    ...options,
  });
  const failed = result.non2xx + result.errors + result.timeouts;
  if (failed > 0) throw new Error(`${path}: ${failed} of ${result.requests.total} requests failed`);
  const load = process.cpuUsage(before.load);
  const total = result.requests.total;
  return {
    rps: total / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    /** CPU per request, µs: the servers' process, PostgreSQL, and autocannon (this process). */
    cpu: {
      server: ((ticksOf(serverPid) - before.server) * TICK_US) / total,
      postgres: ((postgresTicks() - before.postgres) * TICK_US) / total,
      load: (load.user + load.system) / total,
    },
  };
}

/**
 * The servers, in a process of their own so that autocannon does not share their event loop:
 * Paperboy's app and the bare route on one pool. Prints their URLs as one JSON line.
 */
async function serve() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const config = loadConfig({
    DATABASE_URL: db.url,
    ...BENCH_ENV,
    // one client on loopback: the per-client limit would answer 429 to nearly everything
    RATE_LIMIT_MAX: '1000000',
  });
  const services = await createServices(config, pino({ level: 'warn' }));
  const app = await buildApp(config, services);
  const bare = Fastify();
  const { pool } = services.db;
  await pool.query(
    'CREATE TABLE bare_subscriptions (email text PRIMARY KEY, created_at timestamptz DEFAULT now())',
  );
  bare.post<{ Body: { email: string } }>('/bare', async (request, reply) => {
    await pool.query('INSERT INTO bare_subscriptions (email) VALUES ($1)', [request.body.email]);
    reply.status(202);
    return { ok: true };
  });
  const appUrl = await app.listen({ port: 0, host: '127.0.0.1' });
  const bareUrl = await bare.listen({ port: 0, host: '127.0.0.1' });
  console.log(
    JSON.stringify({
      appUrl,
      bareUrl,
      databaseUrl: db.url,
      database: server ? new URL(server).host : 'embedded PGlite',
    }),
  );
  process.once('SIGTERM', async () => {
    await bare.close();
    await app.close();
    await services.close();
    await db.drop();
    process.exit(0);
  });
}

async function startServers() {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const urls = await new Promise<{ appUrl: string; bareUrl: string; databaseUrl: string; database: string }>(
    (resolve, reject) => {
      let output = '';
      child.stdout.on('data', (chunk) => {
        output += String(chunk);
        const line = output.split('\n').find((l) => l.startsWith('{'));
        if (line) resolve(JSON.parse(line));
      });
      child.once('exit', (code) => reject(new Error(`the servers exited with ${code}`)));
    },
  );
  serverPid = child.pid ?? 0;
  const stopped = new Promise((resolve) => child.once('exit', resolve));
  const stop = () => {
    child.kill('SIGTERM');
    return stopped;
  };
  return { ...urls, stop };
}

/**
 * The database's part alone, no HTTP: the subscribe statement (run by SubscriberService, as the
 * route runs it) against the bare route's INSERT, from CONNECTIONS lanes for SECONDS each, with
 * PostgreSQL's CPU per statement: the floor of the API's cost, whatever the app does.
 */
async function databaseAlone(databaseUrl: string) {
  const services = await createServices(
    loadConfig({ DATABASE_URL: databaseUrl, ...BENCH_ENV }),
    pino({ level: 'warn' }),
  );
  const run = async (one: (i: number) => Promise<unknown>) => {
    const before = postgresTicks();
    const started = performance.now();
    const until = started + SECONDS * 1000;
    let done = 0;
    const lane = async () => {
      while (performance.now() < until) {
        await one(next++);
        done++;
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, lane));
    const seconds = (performance.now() - started) / 1000;
    return { rate: done / seconds, postgresUs: ((postgresTicks() - before) * TICK_US) / done };
  };
  try {
    const bare = await run((i) =>
      services.db.pool.query('INSERT INTO bare_subscriptions (email) VALUES ($1)', [`alone${i}@example.org`]),
    );
    const subscribe = await run((i) => services.subscribers.subscribe({ email: `alone${i}@example.org` }));
    return { bare, subscribe };
  } finally {
    await services.close();
  }
}

async function main() {
  const servers = await startServers();
  try {
    const { appUrl, bareUrl } = servers;
    console.log(
      `database: ${servers.database}; runs of ${SECONDS} s on ${CONNECTIONS} connections, the servers in another process`,
    );
    // warm both (JIT, pool connections), then measure
    const warm = { duration: Math.min(1, SECONDS / 2) };
    await drive(bareUrl, '/bare', warm);
    await drive(appUrl, '/api/subscriptions', warm);
    // each measured twice, taking turns, for half the time each: drift in the machine's speed
    // (large on this kind of shared machine) weighs on both alike
    const half = { duration: SECONDS / 2 };
    type Run = Awaited<ReturnType<typeof drive>>;
    const turns: Array<{ bare: Run; api: Run }> = [];
    for (let turn = 0; turn < 2; turn++)
      turns.push({
        bare: await drive(bareUrl, '/bare', half),
        api: await drive(appUrl, '/api/subscriptions', half),
      });
    const mean = (pick: (turn: { bare: Run; api: Run }) => Run) => {
      const cpu = (key: keyof Run['cpu']) => turns.reduce((sum, turn) => sum + pick(turn).cpu[key], 0) / 2;
      return {
        rps: 2 / turns.reduce((sum, turn) => sum + 1 / pick(turn).rps, 0),
        p99: Math.max(...turns.map((turn) => pick(turn).p99)),
        cpu: { server: cpu('server'), postgres: cpu('postgres'), load: cpu('load') },
      };
    };
    const showCpu = ({ cpu }: { cpu: Run['cpu'] }) =>
      `CPU per request: server ${cpu.server.toFixed(0)} µs, PostgreSQL ${cpu.postgres.toFixed(0)} µs, autocannon ${cpu.load.toFixed(0)} µs`;
    const bareRun = mean((turn) => turn.bare);
    const apiRun = mean((turn) => turn.api);
    const paced = await drive(appUrl, '/api/subscriptions', { overallRate: RATE });
    const alone = await databaseAlone(servers.databaseUrl);
    const share = apiRun.rps / bareRun.rps;
    console.log(
      `\nturns (bare / API requests/s): ${turns.map((turn) => `${turn.bare.rps.toFixed(0)} / ${turn.api.rps.toFixed(0)}`).join(', ')}`,
    );
    console.log(`bare route, one INSERT: ${bareRun.rps.toFixed(0)} requests/s (p99 ${bareRun.p99} ms)`);
    console.log(`  ${showCpu(bareRun)}`);
    console.log(
      `POST /api/subscriptions: ${apiRun.rps.toFixed(0)} requests/s (p99 ${apiRun.p99} ms) = ${share.toFixed(2)} of the bare route (target ≥ ${TARGET_SHARE})`,
    );
    console.log(`  ${showCpu(apiRun)}`);
    console.log(
      `POST /api/subscriptions at ${RATE}/s: ${paced.rps.toFixed(0)} requests/s answered, p50 ${paced.p50} ms, p99 ${paced.p99} ms (target < ${TARGET_P99_MS} ms)`,
    );
    console.log(
      `the database alone, no HTTP (${CONNECTIONS} lanes): the subscribe statement ${alone.subscribe.rate.toFixed(0)}/s, PostgreSQL ${alone.subscribe.postgresUs.toFixed(0)} µs each; the bare INSERT ${alone.bare.rate.toFixed(0)}/s, ${alone.bare.postgresUs.toFixed(0)} µs each: ${(alone.subscribe.rate / alone.bare.rate).toFixed(2)}`,
    );
    const figures: Figure[] = [
      {
        scenario: 'subscribe API',
        name: 'POST /api/subscriptions, requests/s',
        value: apiRun.rps,
        unit: '/s',
        baseline: { name: 'bare Fastify route, one INSERT', value: bareRun.rps },
        target: { bound: TARGET_SHARE, better: 'higher', ratio: true },
      },
      {
        scenario: 'subscribe API',
        name: `POST /api/subscriptions p99 at ${RATE}/s`,
        value: paced.p99,
        unit: 'ms',
        target: { bound: TARGET_P99_MS, better: 'lower' },
      },
      {
        scenario: 'subscribe API',
        name: 'the database alone: the subscribe statement, per second',
        value: alone.subscribe.rate,
        unit: '/s',
        baseline: { name: 'the bare INSERT', value: alone.bare.rate },
      },
    ];
    reportFigures(figures);
  } finally {
    await servers.stop();
  }
}

if (values.serve) await serve();
else await main();
