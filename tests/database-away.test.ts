import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { ingestFixtures, readersWithDueEdition } from './helpers/digest-fixtures.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';
import { type SmtpPeer, startSmtpPeer } from './helpers/smtp.ts';
import { startTcpProxy, type TcpProxy } from './helpers/tcp-proxy.ts';

// The database goes away behind a proxy the test cuts, and comes back.

let database: ScratchDatabase;
let proxy: TcpProxy;
let smtp: SmtpPeer;
let app: App;

beforeAll(async () => {
  database = await createScratchDatabase();
  const target = new URL(database.url);
  proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  smtp = await startSmtpPeer();
  const viaProxy = new URL(database.url);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  app = await buildApp(
    testConfig({
      DATABASE_URL: viaProxy.toString(),
      SMTP_URL: smtp.url,
      DELIVERY_LEASE_SECONDS: '5',
      SENDER_POLL_MS: '100',
      SENDER_MAX_IN_FLIGHT: '20',
      SENDER_BATCH_SIZE: '10',
    }),
  );
  await ingestFixtures(app.services.db.pool);
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await app?.close();
  await proxy?.close();
  await smtp?.close();
  await dropUnlessFailed(database, suite);
});

const post = (email: string) => app.inject({ method: 'POST', url: '/api/subscriptions', payload: { email } });

async function waitFor(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 60_000) {
  const started = Date.now();
  while (
    !(await Promise.resolve()
      .then(check)
      .catch(() => false))
  ) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

it('answers 503 (quickly, saying why on /readyz) while the database is away, and recovers by itself', {
  timeout: 60_000,
}, async () => {
  expect((await post('before@example.org')).statusCode).toBe(202);
  await proxy.cut();
  const started = Date.now();
  const away = await post('during@example.org');
  expect(away.statusCode).toBe(503);
  expect(away.headers['retry-after']).toBeDefined();
  expect(Date.now() - started).toBeLessThan(5_000);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(503);
  expect(ready.json()).toMatchObject({ status: 'database unreachable', reason: expect.any(String) });
  expect((await app.inject({ method: 'GET', url: '/digests/2026-03-11' })).statusCode).toBe(503);

  await proxy.restore();
  await waitFor(
    'ready again',
    async () => (await app.inject({ method: 'GET', url: '/readyz' })).statusCode === 200,
  );
  expect((await post('after@example.org')).statusCode).toBe(202);
});

it('sends nothing twice through an outage longer than the lease, and finishes when the database returns', {
  timeout: 90_000,
}, async () => {
  const pool = app.services.db.pool;
  await pool.query('TRUNCATE subscribers CASCADE');
  await readersWithDueEdition(app, 60);
  smtp.reset();
  smtp.delayMs = 50;
  app.services.sender.start();
  await waitFor('some mail sent', () => smtp.messages.length >= 10);
  await proxy.cut();
  // longer than DELIVERY_LEASE_SECONDS: every claimed row's lease runs out meanwhile
  await new Promise((resolve) => setTimeout(resolve, 7_000));
  await proxy.restore();
  await waitFor('every digest sent', async () => {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`);
    return rows[0].n === 60;
  });
  await app.services.sender.stop();
  const recipients = smtp.messages.map((m) => (m.to as { text: string }).text);
  expect(new Set(recipients).size).toBe(60);
  expect(recipients).toHaveLength(60);
});

it('with two workers cut off past the lease, the one back first takes none of the other’s rows', {
  timeout: 120_000,
}, async () => {
  const pool = app.services.db.pool;
  await pool.query('TRUNCATE subscribers CASCADE');
  await readersWithDueEdition(app, 80);
  smtp.reset();
  smtp.delayMs = 50;
  // a second worker on a line of its own to the same database
  const target = new URL(database.url);
  const secondProxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
  const viaSecond = new URL(database.url);
  viaSecond.hostname = '127.0.0.1';
  viaSecond.port = String(secondProxy.port);
  const second = await buildApp(
    testConfig({
      DATABASE_URL: viaSecond.toString(),
      SMTP_URL: smtp.url,
      DELIVERY_LEASE_SECONDS: '5',
      SENDER_POLL_MS: '100',
      SENDER_MAX_IN_FLIGHT: '20',
      SENDER_BATCH_SIZE: '10',
    }),
  );
  try {
    app.services.sender.start();
    second.services.sender.start();
    await waitFor('some mail sent', () => smtp.messages.length >= 10);
    await Promise.all([proxy.cut(), secondProxy.cut()]);
    // longer than DELIVERY_LEASE_SECONDS: every claimed row's lease runs out meanwhile
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    await secondProxy.restore();
    // the first worker is back two seconds later: its rows must still be its own
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    await proxy.restore();
    const sentCount = async () =>
      (await second.services.db.pool.query(`SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent'`))
        .rows[0].n;
    await waitFor('every digest sent', async () => (await sentCount()) === 80);
    await Promise.all([app.services.sender.stop(), second.services.sender.stop()]);
    const recipients = smtp.messages.map((m) => (m.to as { text: string }).text);
    expect(new Set(recipients).size).toBe(80);
    expect(recipients).toHaveLength(80);
  } finally {
    await second.close();
    await secondProxy.close();
  }
});
