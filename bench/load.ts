/**
 * The public routes under load, on loopback: subscribe and one-click unsubscribe driven by
 * autocannon against a real `paperboy api` process, bounded in requests and time. It checks
 * that the server keeps answering (no 5xx, no timeouts), that one client hammering meets its
 * rate limit (429) while many other clients are served, and that the server's memory stays
 * bounded (RSS sampled from /proc).
 *
 *   npm run bench:load [-- --requests 5000 --connections 20]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) it uses a fresh database on that server,
 * otherwise the embedded one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { createPool } from '../src/db/database.ts';
import { migrate } from '../src/db/migrate.ts';
import { SubscriberLinks } from '../src/subscribers/links.ts';
import { LinkTokens } from '../src/subscribers/tokens.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '5000' },
    connections: { type: 'string', default: '20' },
  },
});
const REQUESTS = Number(values.requests);
const CONNECTIONS = Number(values.connections);
const SECRET_KEY = 'load-secret-key-0123456789abcdef0123456789';
const PUBLIC_URL = 'https://paperboy.example.org';
const RATE_LIMIT_MAX = 20;
const BIN = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function startApi(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const port = 3900 + Math.floor(Math.random() * 90);
  const child = spawn(process.execPath, [BIN, 'api'], {
    env: {
      PATH: process.env.PATH ?? '',
      DATABASE_URL: databaseUrl,
      SECRET_KEY,
      PUBLIC_URL,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      TRUST_PROXY: 'loopback',
      RATE_LIMIT_MAX: String(RATE_LIMIT_MAX),
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { child, url };
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('paperboy api did not start');
}

type Result = autocannon.Result;

function run(options: autocannon.Options): Promise<Result> {
  return new Promise((resolve, reject) => {
    const instance = autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
    autocannon.track(instance, { renderProgressBar: process.stderr.isTTY, renderResultsTable: false });
  });
}

function summary(name: string, result: Result, statuses: Map<number, number>): string {
  const codes = [...statuses.entries()].sort(([a], [b]) => a - b).map(([code, n]) => `${code}: ${n}`);
  return `| ${name} | ${result.requests.total} | ${result.requests.average.toFixed(0)}/s | ${result.latency.p50} ms | ${result.latency.p99} ms | ${codes.join(', ')} | ${result.errors + result.timeouts} |`;
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const db = await createScratchDatabase(server);
  const pool = createPool(db.url, 2);
  await migrate(pool);
  const api = await startApi(db.url);
  const pid = api.child.pid as number;
  const startMb = rssMb(pid);
  let peakMb = startMb;
  const sampler = setInterval(() => {
    peakMb = Math.max(peakMb, rssMb(pid));
  }, 100);
  try {
    // many clients (one address each, through X-Forwarded-For), and one client hammering
    const statusesMany = new Map<number, number>();
    let n = 0;
    const many = await run({
      url: api.url,
      connections: CONNECTIONS,
      amount: REQUESTS,
      duration: 60,
      requests: [
        {
          method: 'POST',
          path: '/api/subscriptions',
          setupRequest: (request) => {
            n++;
            return {
              ...request,
              headers: {
                'content-type': 'application/json',
                'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
              },
              body: JSON.stringify({ email: `load${n}@example.org`, keywords: ['diffusion'] }),
            };
          },
          onResponse: (status) => statusesMany.set(status, (statusesMany.get(status) ?? 0) + 1),
        },
      ],
    });
    const statusesOne = new Map<number, number>();
    const one = await run({
      url: api.url,
      connections: 4,
      amount: 500,
      duration: 30,
      requests: [
        {
          method: 'POST',
          path: '/api/subscriptions',
          headers: { 'content-type': 'application/json', 'x-forwarded-for': '192.0.2.1' },
          body: JSON.stringify({ email: 'hammer@example.org' }),
          onResponse: (status) => statusesOne.set(status, (statusesOne.get(status) ?? 0) + 1),
        },
      ],
    });

    // one-click unsubscribe of the subscribers just made, each with its own signed link
    const { rows } = await pool.query<{ id: string; link_nonce: string; confirm_nonce: string }>(
      `UPDATE subscribers SET status = 'active' RETURNING id, link_nonce, confirm_nonce`,
    );
    const links = new SubscriberLinks(PUBLIC_URL, new LinkTokens(SECRET_KEY));
    const paths = rows.map((row) =>
      links
        .url('unsubscribe', { id: row.id, linkNonce: row.link_nonce, confirmNonce: row.confirm_nonce })
        .slice(PUBLIC_URL.length),
    );
    const statusesUnsubscribe = new Map<number, number>();
    let u = 0;
    const unsubscribe = await run({
      url: api.url,
      connections: CONNECTIONS,
      amount: paths.length,
      duration: 60,
      requests: [
        {
          method: 'POST',
          setupRequest: (request) => {
            u++;
            return {
              ...request,
              path: paths[u % paths.length] as string,
              headers: {
                'content-type': 'application/x-www-form-urlencoded',
                'x-forwarded-for': `10.9.${(u >> 8) & 255}.${u & 255}`,
              },
              body: 'List-Unsubscribe=One-Click',
            };
          },
          onResponse: (status) => statusesUnsubscribe.set(status, (statusesUnsubscribe.get(status) ?? 0) + 1),
        },
      ],
    });
    clearInterval(sampler);
    const endMb = rssMb(pid);
    console.log(
      `\ndatabase: ${server ? new URL(server).host : 'embedded PGlite'}; RATE_LIMIT_MAX ${RATE_LIMIT_MAX} per client and minute`,
    );
    console.log('| run | requests | rate | p50 | p99 | statuses | errors + timeouts |');
    console.log('|---|---|---|---|---|---|---|');
    console.log(
      summary(`subscribe, ${CONNECTIONS} connections, a new client address each`, many, statusesMany),
    );
    console.log(summary('subscribe, one client hammering', one, statusesOne));
    console.log(summary(`one-click unsubscribe, ${paths.length} links`, unsubscribe, statusesUnsubscribe));
    console.log(
      `api RSS: start ${startMb.toFixed(0)} MB, peak ${peakMb.toFixed(0)} MB, end ${endMb.toFixed(0)} MB`,
    );
    const fiveHundreds = [statusesMany, statusesOne, statusesUnsubscribe]
      .flatMap((m) => [...m.keys()])
      .filter((s) => s >= 500);
    const served = statusesMany.get(202) ?? 0;
    const limited = statusesOne.get(429) ?? 0;
    if (fiveHundreds.length || !served || !limited || many.timeouts || unsubscribe.timeouts)
      process.exitCode = 1;
  } finally {
    clearInterval(sampler);
    api.child.kill('SIGTERM');
    await new Promise((resolve) => api.child.once('exit', resolve));
    await pool.end();
    await db.drop();
  }
}

await main();
