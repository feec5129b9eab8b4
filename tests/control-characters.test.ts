import fc from 'fast-check';
import type { InjectOptions } from 'fastify';
import { expect, it } from 'vitest';
import { TEST_PUBLIC_URL } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

// NUL and the other control characters, in every field the public and the operator can reach:
// never a 5xx (PostgreSQL refuses NUL in text with 22021, which was a 500 on four routes).

const ADMIN_TOKEN = 'admin-token-for-control-character-tests';
const WEBHOOK_SECRET = 'webhook-secret-for-control-character-tests';
const bed = useTestBed({ fixtures: true, env: { ADMIN_TOKEN, WEBHOOK_SECRET } });

/** Text with control characters in it, NUL most often. */
const controlled = fc
  .tuple(
    fc.string({ maxLength: 8 }),
    fc.constantFrom(
      '\u0000',
      '\u0000',
      '\u0001',
      '\u0007',
      '\b',
      '\u001b',
      '\u007f',
      '\u0085',
      '\r\n',
      '\u2028',
    ),
    fc.string({ maxLength: 8 }),
  )
  .map(([before, control, after]) => `${before}${control}${after}`);

/** The console's session cookie and a CSRF token, signed in as the operator does. */
async function consoleSession(): Promise<{ cookie: string }> {
  const cookies = new Map<string, string>();
  const keep = (headers: Record<string, unknown>) => {
    const set = headers['set-cookie'];
    for (const line of (Array.isArray(set) ? set : set ? [set] : []) as string[]) {
      const [pair] = line.split(';');
      const [name, ...value] = (pair as string).split('=');
      cookies.set(name as string, value.join('='));
    }
  };
  const cookie = () => [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  const form = await bed.app.inject({ url: '/admin/sign-in', headers: { accept: 'text/html' } });
  keep(form.headers);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.body)?.[1] ?? '';
  const signedIn = await bed.app.inject({
    method: 'POST',
    url: '/admin/sign-in',
    headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
    payload: new URLSearchParams({ token: ADMIN_TOKEN, next: '/admin', _csrf: csrf }).toString(),
  });
  expect(signedIn.statusCode).toBe(303);
  keep(signedIn.headers);
  return { cookie: cookie() };
}

it('answers every route below 500 whatever control characters its fields hold', {
  timeout: 120_000,
}, async () => {
  await bed.app.services.subscribers.subscribe({ email: 'ann@example.org' });
  await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
  const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
  const preferences = bed.app.services.links.url('preferences', ann).slice(TEST_PUBLIC_URL.length);
  const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
  const operator = await consoleSession();
  const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const q = encodeURIComponent;

  await fc.assert(
    fc.asyncProperty(controlled, async (text) => {
      const requests = [
        // the audit's four
        { method: 'POST', url: `${preferences}/learned/forget`, payload: { arxivId: text, author: text } },
        { method: 'GET', url: `/api/admin/subscribers?q=${q(text)}`, headers: bearer },
        { method: 'GET', url: `/api/admin/editions/${edition.id}/preview?email=${q(text)}`, headers: bearer },
        { method: 'GET', url: `/admin/subscribers?q=${q(text)}`, headers: { cookie: operator.cookie } },
        // and the other doors
        {
          method: 'POST',
          url: '/api/subscriptions',
          payload: { email: text, keywords: text, timezone: text },
        },
        { method: 'POST', url: preferences, payload: { keywords: text, timezone: text } },
        { method: 'GET', url: `/confirm/${q(text)}` },
        { method: 'POST', url: `/unsubscribe/${q(text)}`, payload: { 'List-Unsubscribe': text } },
        { method: 'GET', url: `/more-like-this/${q(text)}/${q(text)}` },
        { method: 'GET', url: `/digests/${q(text)}` },
        { method: 'GET', url: `/api/admin/subscribers/${q(text)}`, headers: bearer },
        { method: 'DELETE', url: `/api/admin/suppressions/${q(text)}`, headers: bearer },
        {
          method: 'POST',
          url: '/api/webhooks/delivery-events',
          headers: { authorization: `Bearer ${WEBHOOK_SECRET}` },
          payload: { events: [{ type: 'bounce', email: text, messageId: text, reason: text }] },
        },
      ] as InjectOptions[];
      for (const request of requests) {
        const response = await bed.app.inject(request);
        expect(
          response.statusCode,
          `${request.method} ${request.url}: ${response.body.slice(0, 200)}`,
        ).toBeLessThan(500);
      }
    }),
    { numRuns: 25 },
  );
});
