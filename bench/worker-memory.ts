/**
 * The memory of a real `paperboy worker` process sending one edition, at two sizes: the worker runs
 * as the README runs it (bin/paperboy.js, compiled JavaScript when dist/ is fresh) against a sink in
 * another process, and its peak RSS is the kernel's high-water mark (VmHWM in /proc), read when
 * every delivery is recorded. Between the sizes a fresh worker starts, so each peak is its own.
 * Then `paperboy digest send --now` (the command operators run, through its #! line) sends a
 * third edition to the large list, its peak read from /proc while it runs.
 *
 *   npm run bench:worker-memory [-- --small 10000 --large 200000]
 * Wants BENCH_DATABASE_URL or TEST_DATABASE_URL (PostgreSQL); Linux, for /proc.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pino from 'pino';
import { loadConfig } from '../src/config.ts';
import { fanOut } from '../src/delivery/fan-out.ts';
import { ingestDays } from '../src/papers/ingest.ts';
import { FileSource, SAMPLE_DIR } from '../src/papers/sources.ts';
import { startProgress } from '../src/progress.ts';
import { createServices } from '../src/services.ts';
import { createScratchDatabase } from '../tests/helpers/scratch-database.ts';
import { BENCH_ENV } from './lib/bench-env.ts';
import { type Figure, reportFigures } from './lib/figures.ts';
import { startSink } from './lib/sink.ts';

const { values } = parseArgs({
  options: {
    small: { type: 'string', default: '10000' },
    large: { type: 'string', default: '200000' },
  },
});
const SMALL = Number(values.small);
const LARGE = Number(values.large);
const BIN = fileURLToPath(new URL('../bin/paperboy.js', import.meta.url));
/** The bounds: peak RSS, and growth from the small to the large edition. */
const TARGET_PEAK_MB = 150;
const TARGET_GROWTH_MB = 30;
/** Never fires while the benchmark runs: the worker only sends. */
const NEVER = '0 0 1 1 *';

function memoryMb(pid: number, field: 'VmHWM' | 'VmRSS'): number {
  const kb = new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

async function main() {
  const server = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  if (!server) throw new Error('BENCH_DATABASE_URL or TEST_DATABASE_URL: this benchmark wants PostgreSQL');
  const sink = await startSink();
  const db = await createScratchDatabase(server);
  const env = {
    DATABASE_URL: db.url,
    SMTP_URL: sink.url,
    ...BENCH_ENV,
    INGEST_CRON: NEVER,
    EDITION_CRON: NEVER,
    SENDER_POLL_MS: '200',
  };
  const services = await createServices(loadConfig(env), pino({ level: 'warn' }));
  const { pool } = services.db;
  const source = new FileSource(SAMPLE_DIR);
  await ingestDays(pool, source, await source.availableDays(), services.log);

  /** Subscribers up to `total` (keyword profiles as in bench:delivery), one edition fanned out, sent by a fresh worker. */
  const sendEdition = async (total: number, day: string) => {
    await pool.query(
      `INSERT INTO subscribers (email, status, confirmed_at, keywords, max_papers)
       SELECT 'reader' || g || '@example.org', 'active', now(),
              ARRAY[(ARRAY['LoRA','diffusion','language','neural','model'])[1 + g % 5]], 5 + g % 3 * 5
       FROM generate_series((SELECT count(*) FROM subscribers) + 1, $1) g`,
      [total],
    );
    const { edition } = await services.editions.build('daily', day);
    const due = await fanOut(pool, edition, { now: true });
    // run as npx runs it: the file itself, so its #! line gives node its flags
    const worker: ChildProcess = spawn(BIN, ['worker'], {
      // NODE_OPTIONS and SENDER_MAX_IN_FLIGHT pass through, to see what V8's heap limits and the
      // in-flight bound do to the peak
      env: {
        PATH: process.env.PATH ?? '',
        ...env,
        ...(process.env.NODE_OPTIONS ? { NODE_OPTIONS: process.env.NODE_OPTIONS } : {}),
        ...(process.env.SENDER_MAX_IN_FLIGHT
          ? { SENDER_MAX_IN_FLIGHT: process.env.SENDER_MAX_IN_FLIGHT }
          : {}),
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pid = worker.pid as number;
    const progress = startProgress(`worker sending ${day}`, due);
    const started = performance.now();
    let idleMb = 0;
    let reported = 0;
    try {
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (worker.exitCode !== null) throw new Error(`the worker exited with ${worker.exitCode}`);
        if (!idleMb) idleMb = memoryMb(pid, 'VmRSS');
        const { rows } = await pool.query<{ done: number }>(
          `SELECT count(*)::int AS done FROM deliveries WHERE edition_id = $1 AND status IN ('sent', 'failed', 'cancelled')`,
          [edition.id],
        );
        const done = rows[0]?.done ?? 0;
        progress.increment(done - reported);
        reported = done;
        if (done >= due) break;
      }
      return { due, peakMb: memoryMb(pid, 'VmHWM'), idleMb, seconds: (performance.now() - started) / 1000 };
    } finally {
      progress.stop();
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
    }
  };

  /** `digest send --now` of `day` to everyone, in a process of its own: its peak RSS while it runs. */
  const sendByCommand = async (day: string) => {
    const command = spawn(BIN, ['digest', 'send', '--date', day, '--now'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const pid = command.pid as number;
    const exited = new Promise<number | null>((resolve) => command.once('exit', resolve));
    const started = performance.now();
    let peakMb = 0;
    let running = true;
    void exited.then(() => {
      running = false;
    });
    while (running) {
      try {
        // a process that is exiting has no VmHWM line any more: NaN, which must not stick
        const mb = memoryMb(pid, 'VmHWM');
        if (Number.isFinite(mb)) peakMb = Math.max(peakMb, mb);
      } catch {
        // it has just exited
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`digest send exited with ${code}`);
    return { peakMb, seconds: (performance.now() - started) / 1000 };
  };

  try {
    const small = await sendEdition(SMALL, '2026-07-28');
    const large = await sendEdition(LARGE, '2026-07-29');
    const command = await sendByCommand('2026-07-27');
    console.log(
      `digest send --now to ${LARGE}: ${command.seconds.toFixed(0)} s; peak ${command.peakMb.toFixed(0)} MB (target ≤ ${TARGET_PEAK_MB})`,
    );
    const growth = large.peakMb - small.peakMb;
    for (const [label, run] of [
      ['small', small],
      ['large', large],
    ] as const)
      console.log(
        `${label}: ${run.due} digests in ${run.seconds.toFixed(0)} s (${(run.due / run.seconds).toFixed(0)}/s); worker RSS at start ${run.idleMb.toFixed(0)} MB, peak ${run.peakMb.toFixed(0)} MB`,
      );
    console.log(
      `peak at ${LARGE}: ${large.peakMb.toFixed(0)} MB (target ≤ ${TARGET_PEAK_MB}); growth from ${SMALL}: ${growth.toFixed(0)} MB (target < ${TARGET_GROWTH_MB})`,
    );
    const figures: Figure[] = [
      {
        scenario: 'memory',
        name: `paperboy worker peak RSS sending ${LARGE.toLocaleString('en')}`,
        value: large.peakMb,
        unit: 'MB',
        baseline: { name: `sending ${SMALL.toLocaleString('en')}`, value: small.peakMb },
        target: { bound: TARGET_PEAK_MB, better: 'lower' },
      },
      {
        scenario: 'memory',
        name: `paperboy digest send peak RSS sending ${LARGE.toLocaleString('en')}`,
        value: command.peakMb,
        unit: 'MB',
        baseline: { name: 'the worker sending as many', value: large.peakMb },
        target: { bound: TARGET_PEAK_MB, better: 'lower' },
      },
      {
        scenario: 'memory',
        name: `growth of the peak from ${SMALL.toLocaleString('en')} to ${LARGE.toLocaleString('en')}`,
        value: growth,
        unit: 'MB',
        target: { bound: TARGET_GROWTH_MB, better: 'lower' },
      },
    ];
    reportFigures(figures);
  } finally {
    await services.close();
    await db.drop();
    sink.stop();
  }
}

await main();
