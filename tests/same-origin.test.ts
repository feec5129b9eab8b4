import { expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

// Paperboy's pages are served with `Referrer-Policy: no-referrer`, under which Chromium posts our
// own forms with `Origin: null`; Sec-Fetch-Site still says where a post came from.

const bed = useTestBed();
const post = (headers: Record<string, string>) =>
  bed.app.inject({
    method: 'POST',
    url: '/api/subscriptions',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: 'email=reader@example.org',
  });

it('takes a form of its own page posted with Origin: null, as Chromium sends it', async () => {
  expect((await post({ origin: 'null', 'sec-fetch-site': 'same-origin' })).statusCode).toBe(202);
});

it('refuses Origin: null from another site, or with nothing saying where it came from', async () => {
  expect((await post({ origin: 'null', 'sec-fetch-site': 'cross-site' })).statusCode).toBe(403);
  expect((await post({ origin: 'null', 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
  expect((await post({ origin: 'null' })).statusCode).toBe(403);
  expect((await post({ origin: 'https://evil.example' })).statusCode).toBe(403);
});
