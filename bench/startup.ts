/**
 * How long commands take to answer, and how much memory they take, beside `node -e 0` in the same
 * run: `paperboy --help`, `migrate`, `digest preview`, and `serve` until /healthz answers. Each is
 * run several times; the median wall time and the largest peak RSS (GNU time) are reported.
 *
 *   npm run bench:startup [-- --runs 5 --before ../checkout-of-an-earlier-commit]
 * With BENCH_DATABASE_URL (or TEST_DATABASE_URL) the commands use a fresh database on that server
 * (ingested with the bundled sample first), otherwise the embedded one.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { type Figure, reportFigures } from './lib/figures.ts';

const { values } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, before: { type: 'string' } },
});
const RUNS = Number(values.runs);
const BIN = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
/** Another checkout (an earlier commit, its node_modules installed) measured beside this one. */
const BEFORE_BIN = values.before ? path.resolve(values.before, 'bin/paperboy.js') : undefined;
const GNU_TIME = '/usr/bin/time';
/** The issue's bounds on PostgreSQL, in the order of the commands below: --help, migrate, preview, serve. */
const TARGET_SECONDS = [0.3, 1.5, 1.5, 2];

interface Measure {
  ms: number;
  rssMb: number;
}

/** Runs a command to its end under GNU time: wall time and peak RSS. */
function timed(args: string[], env: NodeJS.ProcessEnv): Promise<Measure> {
  const report = path.join(mkdtempSync(path.join(tmpdir(), 'paperboy-time-')), 'rss');
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn(GNU_TIME, ['-f', '%M', '-o', report, process.execPath, ...args], {
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('exit', (code) => {
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      resolve({ ms, rssMb: Number(readFileSync(report, 'utf8').trim()) / 1024 });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** `serve` until /healthz answers, then stopped. */
async function serveReady(env: NodeJS.ProcessEnv, bin: string): Promise<Measure> {
  const port = await freePort();
  const report = path.join(mkdtempSync(path.join(tmpdir(), 'paperboy-time-')), 'rss');
  const started = performance.now();
  const child = spawn(GNU_TIME, ['-f', '%M', '-o', report, process.execPath, bin, 'serve'], {
    env: { ...env, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}` },
    stdio: 'ignore',
  });
  for (;;) {
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ok) break;
    if (performance.now() - started > 120_000) throw new Error('serve did not answer in 120 s');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const ms = performance.now() - started;
  const exited = new Promise((resolve) => child.on('exit', resolve));
  // stop the server itself (time's child): time then writes its report and exits
  execFileSync('pkill', ['-TERM', '-P', String(child.pid)]);
  await exited;
  return { ms, rssMb: Number(readFileSync(report, 'utf8').trim()) / 1024 };
}

async function repeat(fn: () => Promise<Measure>): Promise<Measure> {
  const measures: Measure[] = [];
  for (let i = 0; i < RUNS; i++) measures.push(await fn());
  const times = measures.map((m) => m.ms).sort((a, b) => a - b);
  return {
    ms: times[Math.floor(times.length / 2)] as number,
    rssMb: Math.max(...measures.map((m) => m.rssMb)),
  };
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const database = server ? await createScratchDatabase(server) : undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), 'paperboy-startup-'));
  const env = {
    PATH: process.env.PATH ?? '',
    DATA_DIR: dataDir,
    LOG_LEVEL: 'warn',
    ...(database ? { DATABASE_URL: database.url } : {}),
  };
  try {
    console.log(`database: ${server ? new URL(server).host : 'embedded PGlite'}; median of ${RUNS} runs`);
    await timed([BIN, 'ingest', '--source', 'sample'], env);
    const commands = (bin: string): Array<[string, () => Promise<Measure>]> => [
      ['paperboy --help', () => timed([bin, '--help'], env)],
      ['paperboy migrate', () => timed([bin, 'migrate'], env)],
      [
        'paperboy digest preview --date 2026-07-28',
        () =>
          timed(
            [bin, 'digest', 'preview', '--date', '2026-07-28', '--out', path.join(dataDir, 'p.html')],
            env,
          ),
      ],
      ['paperboy serve, until /healthz answers', () => serveReady(env, bin)],
    ];
    const floor = await repeat(() => timed(['-e', '0'], env));
    const now = commands(BIN);
    const before = BEFORE_BIN ? commands(BEFORE_BIN) : undefined;
    const cell = (m: Measure) => `${(m.ms / 1000).toFixed(2)} s, ${m.rssMb.toFixed(0)} MB`;
    console.log(`\n| command | this checkout | ${before ? 'before |' : ''}`);
    console.log(`|---|---:|${before ? '---:|' : ''}`);
    console.log(`| node -e 0 (the floor) | ${cell(floor)} |${before ? ` ${cell(floor)} |` : ''}`);
    const figures: Figure[] = [];
    for (const [index, [name, run]] of now.entries()) {
      const mine = await repeat(run);
      figures.push({
        scenario: 'startup',
        name: `${name} (peak ${mine.rssMb.toFixed(0)} MB)`,
        value: mine.ms / 1000,
        unit: 's',
        baseline: { name: 'node -e 0', value: floor.ms / 1000 },
        target: { bound: TARGET_SECONDS[index] as number, better: 'lower' },
      });
      const theirs = before
        ? await repeat((before[index] as [string, () => Promise<Measure>])[1])
        : undefined;
      console.log(`| ${name} | ${cell(mine)} |${theirs ? ` ${cell(theirs)} |` : ''}`);
    }
    reportFigures(figures);
  } finally {
    await database?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
