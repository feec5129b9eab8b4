import type { ChildProcess } from 'node:child_process';
import { afterEach, expect, it } from 'vitest';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY } from './helpers/app.ts';
import { startCli } from './helpers/cli.ts';
import { readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Worker processes against one database: sharing an edition, dying mid-send, stopping politely.

const bed = useTestBed({ smtp: true, fixtures: true, truncate: ['subscribers', 'editions'] });
const workers: ChildProcess[] = [];
/** What each worker printed, shown when a wait times out: a worker's own words say why. */
const workerOutput: string[] = [];

afterEach(() => {
  for (const worker of workers.splice(0)) worker.kill('SIGKILL');
  workerOutput.length = 0;
});

function startWorker(env: Record<string, string> = {}): ChildProcess {
  const worker = startCli(['worker'], {
    DATABASE_URL: bed.database.url,
    SMTP_URL: bed.smtp.url,
    SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: TEST_PUBLIC_URL,
    SENDER_POLL_MS: '100',
    DB_POOL_SIZE: '4',
    // no schedule fires during a test: these dates are far away
    INGEST_CRON: '0 0 1 1 *',
    EDITION_CRON: '0 0 1 1 *',
    LOG_LEVEL: 'warn',
    ...env,
  });
  // read the pipes: a child whose pipe fills up blocks on its next log line
  const number = workers.push(worker);
  const keep = (chunk: Buffer) => workerOutput.push(`[worker ${number}] ${chunk}`);
  worker.stdout?.on('data', keep);
  worker.stderr?.on('data', keep);
  return worker;
}

async function editionFor(subscribers: number): Promise<number> {
  return (await readersWithDueEdition(bed.app, subscribers)).id as number;
}

async function statusCounts(): Promise<Record<string, number>> {
  const { rows } = await bed.pool.query(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`);
  return Object.fromEntries(rows.map((row) => [row.status, row.n]));
}

async function waitUntil(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 120_000) {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs)
      throw new Error(
        `timed out waiting for ${what}: ${JSON.stringify(await statusCounts())}\n${workerOutput.join('').slice(-20_000)}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Stops every running worker with SIGTERM and waits for each to exit: a worker that exits has
 * finished every send it started, so nothing it sent can still arrive at the SMTP peer.
 */
async function stopWorkers(): Promise<void> {
  const running = workers
    .splice(0)
    .filter((worker) => worker.exitCode === null && worker.signalCode === null);
  await Promise.all(
    running.map((worker) => {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      return exited;
    }),
  );
}

const distinctMessageIds = () => new Set(bed.smtp.messages.map((m) => m.messageId)).size;

it('two workers deliver one edition between them, no row sent twice', { timeout: 240_000 }, async () => {
  await editionFor(200);
  startWorker();
  startWorker();
  await waitUntil('every delivery sent', async () => (await statusCounts()).sent === 200);
  await stopWorkers();
  expect(bed.smtp.messages).toHaveLength(200);
  expect(distinctMessageIds()).toBe(200);
  expect(new Set(bed.smtp.messages.map((m) => (m.to as { text: string }).text)).size).toBe(200);
});

it('after a SIGKILL mid-send, a restarted worker finishes: one sent row each, duplicates within the in-flight bound', {
  timeout: 240_000,
}, async () => {
  const maxInFlight = 8;
  const env = {
    DELIVERY_LEASE_SECONDS: '5',
    SENDER_MAX_IN_FLIGHT: String(maxInFlight),
    SENDER_BATCH_SIZE: '4',
  };
  await editionFor(60);
  bed.smtp.delayMs = 100;
  const doomed = startWorker(env);
  await waitUntil('some mail sent', () => bed.smtp.messages.length >= 15);
  doomed.kill('SIGKILL');
  await new Promise((resolve) => doomed.once('exit', resolve));
  const receivedBeforeCrash = bed.smtp.messages.length;
  expect((await statusCounts()).sent ?? 0).toBeLessThan(60);

  startWorker(env);
  await waitUntil('every delivery sent', async () => (await statusCounts()).sent === 60);
  await stopWorkers();
  expect(await statusCounts()).toEqual({ sent: 60 });
  expect(distinctMessageIds()).toBe(60);
  const duplicates = bed.smtp.messages.length - 60;
  expect(duplicates).toBeLessThanOrEqual(maxInFlight);
  expect(receivedBeforeCrash).toBeGreaterThanOrEqual(15);
});

it('on SIGTERM stops claiming, finishes what is in flight and exits 0; a new worker sends the rest once', {
  timeout: 240_000,
}, async () => {
  await editionFor(40);
  bed.smtp.delayMs = 100;
  const worker = startWorker({ SENDER_MAX_IN_FLIGHT: '6', SENDER_BATCH_SIZE: '3' });
  await waitUntil('some mail sent', () => bed.smtp.messages.length >= 5);
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
  worker.kill('SIGTERM');
  expect(await exited).toBe(0);
  const counts = await statusCounts();
  expect(counts.sending).toBeUndefined();
  expect(counts.sent).toBe(bed.smtp.messages.length);

  bed.smtp.delayMs = 0;
  startWorker();
  await waitUntil('every delivery sent', async () => (await statusCounts()).sent === 40);
  await stopWorkers();
  expect(bed.smtp.messages).toHaveLength(40);
  expect(distinctMessageIds()).toBe(40);
});

it('on SIGTERM with the relay never answering, hands the deliveries in flight back and exits 0 within the grace period', {
  timeout: 120_000,
}, async () => {
  await editionFor(6);
  for (let i = 0; i < 6; i++) bed.smtp.behaviours.push({ hang: true });
  const worker = startWorker({
    SENDER_MAX_IN_FLIGHT: '6',
    SMTP_MAX_CONNECTIONS: '2',
    SHUTDOWN_GRACE_SECONDS: '2',
  });
  await waitUntil('every delivery claimed', async () => (await statusCounts()).sending === 6);
  // both connections are in the middle of DATA, waiting for an answer that never comes
  await waitUntil('two messages on the wire', () => bed.smtp.connections >= 2);
  const exited = new Promise<number | null>((resolve) => worker.once('exit', resolve));
  const stoppedAt = Date.now();
  worker.kill('SIGTERM');
  expect(await exited).toBe(0);
  expect(Date.now() - stoppedAt).toBeLessThan(2000 + 3000);
  // due again at once, not after the lease
  const { rows } = await bed.pool.query(
    `SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending' AND due_at <= now() AND lease_token IS NULL`,
  );
  expect(rows[0].n).toBe(6);
});
