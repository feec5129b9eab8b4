import { describe, expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

// Rate limits count the real client: behind a trusted proxy, the entry it wrote, never one the
// client wrote itself; wrong Bearer secrets are limited per client.

const ADMIN_TOKEN = 'admin-token-for-client-limit-tests';
const bed = useTestBed({
  // the test's requests come from 127.0.0.1: the proxy in front of Paperboy
  env: {
    RATE_LIMIT_MAX: '3',
    TRUST_PROXY: '127.0.0.1',
    ADMIN_TOKEN,
    WEBHOOK_SECRET: 'webhook-secret-for-tests',
  },
  truncate: ['subscribers'],
});

const subscribe = (forwardedFor: string, n: number) =>
  bed.app.inject({
    method: 'POST',
    url: '/api/subscriptions',
    headers: { 'x-forwarded-for': forwardedFor },
    payload: { email: `reader${n}@example.org` },
  });

describe('X-Forwarded-For', () => {
  it('a client that writes its own leftmost entry still meets the limit (the audit: 30 tries, no 429)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      // what the proxy sends on: the client's own header, then the address it saw
      statuses.push((await subscribe(`10.9.${i}.1, 198.51.100.7`, i)).statusCode);
    }
    expect(statuses.slice(0, 3)).toEqual([202, 202, 202]);
    expect(statuses.slice(3).every((status) => status === 429)).toBe(true);
    // another real client is counted apart
    expect((await subscribe('198.51.100.8', 99)).statusCode).toBe(202);
  });
});

describe('wrong Bearer secrets', () => {
  const admin = (token: string, client: string) =>
    bed.app.inject({
      method: 'GET',
      url: '/api/admin/deliveries',
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
    });
  const webhook = (token: string, client: string) =>
    bed.app.inject({
      method: 'POST',
      url: '/api/webhooks/delivery-events',
      headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': client },
      payload: { events: [{ type: 'bounce', email: 'nobody@example.org' }] },
    });

  it.each([
    ['the admin API', admin, ADMIN_TOKEN],
    ['the webhook', webhook, 'webhook-secret-for-tests'],
  ])(
    'on %s: 10 a minute per client, then 429 with Retry-After, even for the right one',
    async (_what, call, right) => {
      const guesser = `203.0.113.${Math.floor(Math.random() * 200)}`;
      expect((await call(right, guesser)).statusCode).toBe(200);
      for (let i = 0; i < 10; i++) expect((await call(`guess-${i}`, guesser)).statusCode).toBe(401);
      const limited = await call(right, guesser);
      expect(limited.statusCode).toBe(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      // right secrets never count, and other clients are not held back
      expect((await call(right, '192.0.2.77')).statusCode).toBe(200);
    },
  );
});
