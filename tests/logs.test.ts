import { Writable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, buildApp } from '../src/http/app.ts';
import { createServices, TERMINAL_LOG_FORMAT } from '../src/services.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY, testConfig } from './helpers/app.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';
import { type SmtpPeer, startSmtpPeer } from './helpers/smtp.ts';

// A whole scenario with every log line kept, at the most verbose level: nothing secret and no
// link token may appear in any of them.

const SECRETS = {
  ADMIN_TOKEN: 'admin-token-that-must-not-be-logged',
  WEBHOOK_SECRET: 'webhook-secret-never-logged',
  SMTP_PASSWORD: 'smtp-password-never-logged',
};

let database: ScratchDatabase;
let smtp: SmtpPeer;
let app: App;
const lines: string[] = [];

beforeAll(async () => {
  database = await createScratchDatabase();
  smtp = await startSmtpPeer();
  const config = testConfig({
    DATABASE_URL: database.url,
    SMTP_URL: smtp.url.replace('smtp://', `smtp://mailer:${SECRETS.SMTP_PASSWORD}@`),
    ADMIN_TOKEN: SECRETS.ADMIN_TOKEN,
    WEBHOOK_SECRET: SECRETS.WEBHOOK_SECRET,
    LOG_LEVEL: 'trace',
  });
  const sink = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  app = await buildApp(config, await createServices(config, pino({ level: 'trace' }, sink)));
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await app?.close();
  await app?.services.close();
  await smtp?.close();
  await dropUnlessFailed(database, suite);
});

const linkIn = (mail: ParsedMail, kind: string) =>
  new RegExp(`${TEST_PUBLIC_URL}(/${kind}/[^"\\s]+)`).exec(String(mail.html))?.[1] as string;

it('logs every request with its link tokens redacted, and never a secret', { timeout: 30_000 }, async () => {
  const form = { 'content-type': 'application/x-www-form-urlencoded' };
  await app.inject({ method: 'POST', url: '/api/subscriptions', payload: { email: 'ann@example.org' } });
  await app.services.sender.drain();
  const [confirmation] = await smtp.waitForMessages(1);
  const confirm = linkIn(confirmation as ParsedMail, 'confirm');
  expect((await app.inject({ method: 'GET', url: confirm })).statusCode).toBe(200);
  expect((await app.inject({ method: 'POST', url: confirm })).statusCode).toBe(200);

  const subscriber = (await app.services.subscribers.findByEmail('ann@example.org'))!;
  const { preferencesUrl, unsubscribeUrl } = app.services.links.forDigest(subscriber);
  const preferences = preferencesUrl.slice(TEST_PUBLIC_URL.length);
  const unsubscribe = unsubscribeUrl.slice(TEST_PUBLIC_URL.length);
  await app.inject({ method: 'GET', url: preferences });
  await app.inject({ method: 'POST', url: preferences, headers: form, payload: 'maxPapers=5' });
  await app.inject({ method: 'GET', url: `${unsubscribe}?utm=x` });
  await app.inject({
    method: 'POST',
    url: unsubscribe,
    headers: form,
    payload: 'List-Unsubscribe=One-Click',
  });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  // a token under every other spelling of its route, or pasted where no token belongs
  const unsubscribeToken = unsubscribe.split('/')[2] as string;
  for (const url of [
    `/UNSUBSCRIBE/${unsubscribeToken}`,
    `/unsubscribe%2F${unsubscribeToken}`,
    `/Preferences/${unsubscribeToken}/data`,
    `/digests/${unsubscribeToken}`,
  ])
    await app.inject({ method: 'GET', url });
  await app.inject({
    method: 'GET',
    url: `/api/admin/subscribers/${unsubscribeToken}`,
    headers: bearer(SECRETS.ADMIN_TOKEN),
  });
  // a relay that echoes the address it refuses, for a reader erased afterwards
  await app.inject({ method: 'POST', url: '/api/subscriptions', payload: { email: 'bo@example.org' } });
  smtp.behaviours.push({ code: 550, message: '5.1.1 <bo@example.org>: Recipient address rejected' });
  await app.services.sender.drain();
  await app.inject({ method: 'GET', url: '/api/admin/deliveries', headers: bearer(SECRETS.ADMIN_TOKEN) });
  await app.inject({ method: 'GET', url: '/api/admin/deliveries', headers: bearer('wrong') });
  await app.inject({
    method: 'POST',
    url: '/api/webhooks/delivery-events',
    headers: bearer(SECRETS.WEBHOOK_SECRET),
    payload: { events: [{ type: 'complaint', email: 'ann@example.org' }] },
  });

  // the operator's calls that name an address, and the console's sign-in with the token in its form
  await app.inject({
    method: 'GET',
    url: '/api/admin/subscribers?q=ann%40example',
    headers: bearer(SECRETS.ADMIN_TOKEN),
  });
  await app.inject({
    method: 'DELETE',
    url: '/api/admin/suppressions/ann%40example.org',
    headers: bearer(SECRETS.ADMIN_TOKEN),
  });
  await app.inject({
    method: 'DELETE',
    url: '/api/admin/suppressions/ann@example.org',
    headers: bearer(SECRETS.ADMIN_TOKEN),
  });
  await app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: form,
    payload: `token=${SECRETS.ADMIN_TOKEN}`,
  });

  const log = lines.join('');
  expect(log).toContain('/api/admin/suppressions/[address]');
  expect(log).not.toMatch(/ann(@|%40)example/i);
  expect(log).toContain('delivery failed');
  expect(log).not.toMatch(/bo(@|%40)example/i);
  expect(log).toContain('/confirm/[redacted]');
  expect(log).toContain('/unsubscribe/[redacted]');
  expect(log).toContain('/preferences/[redacted]');
  const tokens = [confirm, preferences, unsubscribe].map((path) => path.split('/')[2] as string);
  for (const secret of [...Object.values(SECRETS), TEST_SECRET_KEY, ...tokens])
    expect(log).not.toContain(secret);
});

it('a terminal shows one short line per request and one line for migrations', async () => {
  const { default: pinoPretty } = await import('pino-pretty');
  const shown: string[] = [];
  const screen = new Writable({
    write(chunk, _encoding, done) {
      shown.push(String(chunk));
      done();
    },
  });
  const log = pino(
    { base: { pid: 1 } },
    pinoPretty({ ...TERMINAL_LOG_FORMAT, colorize: false, destination: screen, sync: true }),
  );
  log.info({ reqId: 'req-1', method: 'GET', url: '/digests/2026-03-10', statusCode: 200, ms: 4 }, 'request');
  log.info({ applied: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] }, 'database migrated');
  const text = shown.join('');
  expect(text.trimEnd().split('\n')).toHaveLength(2);
  expect(text).toMatch(/INFO: GET \/digests\/2026-03-10 200 4 ms\n/);
  expect(text).toContain('database migrated {"applied":[1,2,3,4,5,6,7,8,9,10,11]}');
});
