import { Readable } from 'node:stream';
import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../src/http/app.ts';
import { importCsv } from '../src/subscribers/csv.ts';
import { TEST_PUBLIC_URL, testConfig } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

// What a new reader or operator stumbled on in their first minutes, each fixed and kept so.

const bed = useTestBed({ smtp: true, truncate: ['subscribers'] });

const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' };
const postForm = (url: string, fields: Record<string, string>) =>
  bed.app.inject({
    method: 'POST',
    url,
    headers: formHeaders,
    payload: new URLSearchParams(fields).toString(),
  });

function linkIn(mail: ParsedMail, kind: string): string {
  const match = new RegExp(`href="${TEST_PUBLIC_URL}(/${kind}/[^"]+)"`).exec(String(mail.html));
  if (!match?.[1]) throw new Error(`no ${kind} link in ${mail.subject}`);
  return match[1];
}

/** Subscribes through the home page's form and follows the confirmation mail; the confirmed page. */
async function subscribeAndConfirm(fields: Record<string, string>) {
  expect((await postForm('/', fields)).statusCode).toBe(303);
  await bed.app.services.sender.drain();
  const [mail] = await bed.smtp.waitForMessages(1);
  // the link's page shows a button (link scanners follow GETs); its POST confirms
  return bed.app.inject({ method: 'POST', url: linkIn(mail as ParsedMail, 'confirm') });
}

describe('the subscription form', () => {
  it('posts to the home page, so a refused field leaves the address on /, its message without the field’s name', async () => {
    const home = await bed.app.inject({ method: 'GET', url: '/' });
    expect(home.body).toContain('<form method="post" action="/">');
    const refused = await postForm('/', { email: 'ann@example.org', keywords: 'see https://evil.example' });
    expect(refused.statusCode).toBe(400);
    const message = /id="form-error"[^>]*>([^<]+)</.exec(refused.body)?.[1] ?? '';
    expect(message).not.toBe('');
    expect(message).not.toMatch(/^keywords:/i);
    expect(message.charAt(0)).toBe(message.charAt(0).toUpperCase());
    // the JSON API still names the field for programs
    const api = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'ann@example.org', keywords: 'see https://evil.example' },
    });
    expect(api.statusCode).toBe(400);
    expect(api.json().message).toMatch(/^keywords: /);
  });

  it('/subscribed names the address it was sent to, and where a server without a relay keeps its mail', async () => {
    const posted = await postForm('/', { email: 'Ann@Example.org' });
    expect(posted.statusCode).toBe(303);
    expect(posted.headers.location).toBe('/subscribed');
    const cookie = posted.cookies.find((c) => c.name === 'pb_subscribed');
    expect(cookie).toMatchObject({ value: 'Ann@Example.org', path: '/subscribed', httpOnly: true });
    const page = await bed.app.inject({
      method: 'GET',
      url: '/subscribed',
      cookies: { pb_subscribed: cookie?.value ?? '' },
    });
    expect(page.body).toContain('<strong>Ann@Example.org</strong>');
    // this test bed sends through an SMTP peer: no outbox to point at
    expect(page.body).not.toContain('href="/outbox"');
    const without = await bed.app.inject({ method: 'GET', url: '/subscribed' });
    expect(without.statusCode).toBe(200);
    expect(without.body).toContain('the address you gave');
    // npm start as it comes: no SMTP_URL, mail in the outbox, which the page points to
    const demo = await buildApp(testConfig({ DATABASE_URL: bed.database.url }));
    try {
      const page = await demo.inject({ method: 'GET', url: '/subscribed' });
      expect(page.body).toContain('href="/outbox"');
    } finally {
      await demo.close();
    }
  });
});

describe('after confirming and unsubscribing', () => {
  it('the confirmed page offers "Make it yours" only to a reader who customised nothing', async () => {
    const plain = await subscribeAndConfirm({ email: 'plain@example.org', timezone: 'Europe/Paris' });
    expect(plain.body).toContain('You are subscribed');
    expect(plain.body).toContain('Make it yours');
    bed.smtp.reset();
    const chosen = await subscribeAndConfirm({
      email: 'chosen@example.org',
      keywords: 'LoRA',
      deliveryHour: '9',
    });
    expect(chosen.body).toContain('You are subscribed');
    expect(chosen.body).not.toContain('Make it yours');
    expect(chosen.body).toContain('Change your preferences');
  });

  it('one-click unsubscribe answers with the one-click way back', async () => {
    await subscribeAndConfirm({ email: 'plain@example.org' });
    const subscriber = await bed.app.services.subscribers.findByEmail('plain@example.org');
    if (!subscriber) throw new Error('no subscriber');
    const unsubscribeUrl = new URL(bed.app.services.links.url('unsubscribe', subscriber)).pathname;
    const done = await postForm(unsubscribeUrl, { 'List-Unsubscribe': 'One-Click' });
    expect(done.statusCode).toBe(200);
    expect(done.body).toContain('You are unsubscribed');
    expect(done.body).toMatch(
      /<form method="post" action="[^"]+\/resubscribe">\s*<button type="submit">Subscribe again/,
    );
  });
});

it('a day that is not in the calendar is "not a date", not a day without a digest', async () => {
  const page = await bed.app.inject({
    method: 'GET',
    url: '/digests/2026-02-30',
    headers: { accept: 'text/html' },
  });
  expect(page.statusCode).toBe(404);
  expect(page.body).toContain('Not a date');
  expect(page.body).not.toContain('No digest for this date');
});

it('an import reports every problem of a row, not only the first', async () => {
  const report = await importCsv({
    pool: bed.pool,
    hasher: bed.app.services.addressHasher,
    input: Readable.from([
      'email,frequency,timezone,delivery_hour\n',
      'ann@example.org,hourly,Mars/Olympus,24\n',
    ]),
    update: false,
  });
  expect(report.invalid).toHaveLength(1);
  const { message } = report.invalid[0] ?? { message: '' };
  expect(message).toContain('frequency: expected daily, weekly or monthly');
  expect(message).toContain('timezone: ');
  expect(message).toContain('delivery_hour: must be from 0 to 23');
});
