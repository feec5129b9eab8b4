import { describe, expect, it } from 'vitest';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ truncate: ['subscribers'] });
/** An app with a rate limit a test can reach: 3 requests per client and window. */
const limited = useTestBed({ env: { RATE_LIMIT_MAX: '3' } });

async function stored() {
  const { rows } = await bed.pool.query<{ subscribers: number; deliveries: number }>(
    'SELECT (SELECT count(*) FROM subscribers)::int AS subscribers, (SELECT count(*) FROM deliveries)::int AS deliveries',
  );
  return rows[0];
}

function multipart(fields: Record<string, string>, boundary = 'paperboy-boundary') {
  const body = Object.entries(fields)
    .map(
      ([name, value]) =>
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  return {
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: `${body}--${boundary}--\r\n`,
  };
}

async function activeUnsubscribeLink(): Promise<string> {
  await bed.app.services.subscribers.subscribe({ email: 'reader@example.org' });
  await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
  const subscriber = (await bed.app.services.subscribers.findByEmail('reader@example.org'))!;
  return bed.app.services.links.url('unsubscribe', subscriber).replace(/^https?:\/\/[^/]+/, '');
}

describe('multipart', () => {
  it('is refused where no standard asks for it (415), storing nothing, however large', async () => {
    const small = multipart({ email: 'ann@example.org' });
    const response = await bed.app.inject({ method: 'POST', url: '/api/subscriptions', ...small });
    expect(response.statusCode).toBe(415);
    const large = multipart({ email: 'ann@example.org', keywords: 'x'.repeat(10 * 1024 * 1024) });
    expect((await bed.app.inject({ method: 'POST', url: '/api/subscriptions', ...large })).statusCode).toBe(
      415,
    );
    expect(await stored()).toEqual({ subscribers: 0, deliveries: 0 });
  });

  it('is read for one-click unsubscribe within the body limit: 413 beyond it', async () => {
    const url = await activeUnsubscribeLink();
    const huge = multipart({ 'List-Unsubscribe': 'One-Click', padding: 'x'.repeat(50 * 1024 * 1024) });
    expect((await bed.app.inject({ method: 'POST', url, ...huge })).statusCode).toBe(413);
    const ok = multipart({ 'List-Unsubscribe': 'One-Click' });
    expect((await bed.app.inject({ method: 'POST', url, ...ok })).statusCode).toBe(200);
  });

  it('answers 400 to a malformed body, a file, or too many fields; never 500', async () => {
    const url = await activeUnsubscribeLink();
    const malformed = await bed.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=zz' },
      payload: JSON.stringify({ 'List-Unsubscribe': 'One-Click' }),
    });
    expect(malformed.statusCode).toBe(400);
    const noBoundary = await bed.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data' },
      payload: 'x',
    });
    expect(noBoundary.statusCode).toBe(400);
    const file = await bed.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'multipart/form-data; boundary=b' },
      payload:
        '--b\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\nContent-Type: text/plain\r\n\r\nhello\r\n--b--\r\n',
    });
    expect(file.statusCode).toBe(400);
    const many = multipart(Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`f${i}`, 'v'])));
    expect((await bed.app.inject({ method: 'POST', url, ...many })).statusCode).toBe(400);
    expect((await bed.app.services.subscribers.findByEmail('reader@example.org'))?.status).toBe('active');
  });
});

describe('route parameters', () => {
  it.each(['2026-02-30', '9999-99-99', '2026-13-01', '0000-00-00'])(
    'answers 404 for the impossible day %s',
    async (day) => {
      const response = await bed.app.inject({ method: 'GET', url: `/digests/${day}` });
      expect(response.statusCode).toBe(404);
    },
  );

  it('answers an unknown address with a page for browsers and JSON for the rest', async () => {
    const page = await bed.app.inject({
      method: 'GET',
      url: '/no/such/page',
      headers: { accept: 'text/html' },
    });
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('Page not found');
    const api = await bed.app.inject({ method: 'GET', url: '/api/no-such-route' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('answers 400 for a day that is not a date at all', async () => {
    expect((await bed.app.inject({ method: 'GET', url: '/digests/yesterday' })).statusCode).toBe(400);
  });
});

describe('rate limits', () => {
  it('key on the client, not on a token in the path it can vary', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await limited.app.inject({
        method: 'POST',
        url: `/unsubscribe/${i}-not-a-token`,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
        remoteAddress: '10.1.2.3',
      });
      statuses.push(response.statusCode);
    }
    expect(statuses.slice(0, 3)).toEqual([404, 404, 404]);
    expect(statuses.slice(3)).toEqual([429, 429]);
  });
});
