import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { addDays, isoDay } from '../src/dates.ts';
import { buildApp } from '../src/http/app.ts';
import { SECRET_COLUMNS } from '../src/subscribers/records.ts';
import { testConfig } from './helpers/app.ts';
import { useTestBed } from './helpers/test-bed.ts';

const ADMIN_TOKEN = 'admin-token-for-tests-0123456789';

const bed = useTestBed({
  smtp: true,
  fixtures: true,
  env: { ADMIN_TOKEN },
  truncate: ['subscribers', 'suppressed_addresses', 'deliveries'],
});

const bearer = (token = ADMIN_TOKEN) => ({ authorization: `Bearer ${token}` });

function linkIn(mail: ParsedMail, kind: string): string {
  const match = new RegExp(`https://paperboy\\.test(/${kind}/[A-Za-z0-9._-]+)`).exec(mail.text ?? '');
  if (!match) throw new Error(`no ${kind} link in the mail`);
  return match[1] as string;
}

/** An active subscriber, confirmed through the mail, with one digest sent. */
async function activeReaderWithDigest(email: string): Promise<string> {
  const app = bed.app;
  const subscribed = await app.inject({
    method: 'POST',
    url: '/api/subscriptions',
    payload: { email, keywords: ['agents'] },
  });
  expect(subscribed.statusCode).toBe(202);
  await app.services.sender.drain();
  const [confirmation] = await bed.smtp.waitForMessages(1);
  expect(
    (await app.inject({ method: 'POST', url: linkIn(confirmation as ParsedMail, 'confirm') })).statusCode,
  ).toBe(200);
  const sent = await app.inject({
    method: 'POST',
    url: '/api/admin/editions/send',
    headers: bearer(),
    payload: { date: '2026-03-11', now: true },
  });
  expect(sent.statusCode, sent.body).toBe(200);
  await app.services.sender.drain();
  const { rows } = await bed.pool.query<{ id: string }>('SELECT id FROM subscribers WHERE email = $1', [
    email,
  ]);
  return (rows[0] as { id: string }).id;
}

describe('the admin API', () => {
  const routes: Array<{ method: 'GET' | 'POST' | 'DELETE'; url: string; payload?: object }> = [
    { method: 'GET', url: '/api/admin/stats' },
    { method: 'GET', url: '/api/admin/deliveries' },
    { method: 'GET', url: '/api/admin/subscribers' },
    { method: 'GET', url: '/api/admin/subscribers/00000000-0000-4000-8000-000000000000' },
    { method: 'GET', url: '/api/admin/subscribers/00000000-0000-4000-8000-000000000000/export' },
    { method: 'DELETE', url: '/api/admin/subscribers/00000000-0000-4000-8000-000000000000' },
    { method: 'POST', url: '/api/admin/subscribers/00000000-0000-4000-8000-000000000000/confirmation' },
    { method: 'GET', url: '/api/admin/suppressions' },
    { method: 'POST', url: '/api/admin/suppressions', payload: { emails: ['x@example.org'] } },
    { method: 'DELETE', url: '/api/admin/suppressions/x@example.org' },
    { method: 'GET', url: '/api/admin/editions' },
    { method: 'POST', url: '/api/admin/editions', payload: { date: '2026-03-10' } },
    { method: 'POST', url: '/api/admin/editions/send', payload: { date: '2026-03-10' } },
    { method: 'GET', url: '/api/admin/editions/1/preview' },
    { method: 'GET', url: '/api/admin/ingests' },
    { method: 'POST', url: '/api/admin/ingests', payload: { date: '2026-07-28', source: 'sample' } },
  ];

  it('answers 401 without the token or with a wrong one, and serves with the right one', async () => {
    for (const [i, route] of routes.entries()) {
      // a client of its own per route: wrong secrets are limited per client (client-limits.test.ts)
      const remoteAddress = `192.0.2.${i + 1}`;
      const none = await bed.app.inject({
        method: route.method,
        url: route.url,
        payload: route.payload,
        remoteAddress,
      });
      expect(none.statusCode, `${route.method} ${route.url} without a token`).toBe(401);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      const wrong = await bed.app.inject({ ...route, headers: bearer(`${ADMIN_TOKEN}x`), remoteAddress });
      expect(wrong.statusCode, `${route.method} ${route.url} with a wrong token`).toBe(401);
      const right = await bed.app.inject({ ...route, headers: bearer() });
      expect(right.statusCode, `${route.method} ${route.url}: ${right.body}`).toBeLessThan(500);
      expect(right.statusCode, `${route.method} ${route.url}: ${right.body}`).not.toBe(401);
    }
  });

  it('lists every admin route in the OpenAPI document with the bearer scheme', async () => {
    const spec = bed.app.swagger() as { paths: Record<string, Record<string, { security?: unknown[] }>> };
    for (const route of routes) {
      const path = Object.keys(spec.paths).find((candidate) =>
        new RegExp(`^${candidate.replace(/\{[^}]+\}/g, '[^/]+')}$`).test(route.url),
      );
      expect(path, route.url).toBeDefined();
      const operation = spec.paths[path as string]?.[route.method.toLowerCase()];
      expect(operation?.security, `${route.method} ${path}`).toEqual([{ bearer: [] }]);
    }
  });

  it('finds subscribers by address fragment and status, a page at a time', async () => {
    await bed.pool.query(
      `INSERT INTO subscribers (email, status, created_at)
       SELECT 'page' || g || '@example.org', CASE WHEN g % 2 = 0 THEN 'active' ELSE 'pending' END,
         now() - g * interval '1 minute'
       FROM generate_series(1, 25) g`,
    );
    const seen: string[] = [];
    let after: string | null = null;
    do {
      const query = new URLSearchParams({
        q: 'PAGE',
        status: 'active',
        limit: '5',
        ...(after ? { after } : {}),
      });
      const page = await bed.app.inject({ url: `/api/admin/subscribers?${query}`, headers: bearer() });
      expect(page.statusCode, page.body).toBe(200);
      const body = page.json() as {
        subscribers: Array<{ email: string; status: string }>;
        next: string | null;
      };
      for (const s of body.subscribers) expect(s.status).toBe('active');
      seen.push(...body.subscribers.map((s) => s.email));
      after = body.next;
    } while (after);
    expect(seen).toEqual(Array.from({ length: 12 }, (_, i) => `page${(i + 1) * 2}@example.org`));
    // a wildcard typed by the operator is a character, not a pattern
    const literal = await bed.app.inject({ url: '/api/admin/subscribers?q=%25', headers: bearer() });
    expect(literal.json().subscribers).toEqual([]);
    const badCursor = await bed.app.inject({
      url: '/api/admin/subscribers?after=nonsense',
      headers: bearer(),
    });
    expect(badCursor.statusCode).toBe(400);
    expect(badCursor.json().field).toBe('after');
  });

  it('exports every stored field of a subscriber, with history and deliveries', async () => {
    const id = await activeReaderWithDigest('export-me@example.org');
    const exported = await bed.app.inject({ url: `/api/admin/subscribers/${id}/export`, headers: bearer() });
    expect(exported.statusCode).toBe(200);
    expect(exported.headers['content-disposition']).toContain('attachment');
    const record = exported.json();
    const { rows } = await bed.pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_name = 'subscribers'`,
    );
    const columns = rows
      .map((row) => row.column_name)
      .filter((c) => !(SECRET_COLUMNS as readonly string[]).includes(c));
    expect(Object.keys(record.subscriber).sort()).toEqual(columns.sort());
    expect(record.subscriber.email).toBe('export-me@example.org');
    expect(record.subscriber.keywords).toEqual(['agents']);
    expect(record.history.map((e: { event: string }) => e.event)).toEqual(['subscribed', 'confirmed']);
    expect(record.requests).toHaveLength(1);
    expect(
      record.deliveries.map((d: { kind: string; status: string }) => `${d.kind} ${d.status}`).sort(),
    ).toEqual(['confirmation sent', 'digest sent']);
    expect(record.deliveries.find((d: { kind: string }) => d.kind === 'digest').messageId).toMatch(
      /^<delivery-/,
    );
  });

  it('erases a subscriber so that no table holds their address, and a later subscribe works', async () => {
    const id = await activeReaderWithDigest('erase.me.please@example.org');
    const erased = await bed.app.inject({
      method: 'DELETE',
      url: `/api/admin/subscribers/${id}`,
      headers: bearer(),
    });
    expect(erased.statusCode).toBe(204);
    expect(await tablesHolding('erase.me.please')).toEqual([]);
    expect(await tablesHolding(id)).toEqual([]);
    // it did not complain: it may subscribe again, and gets a confirmation
    bed.smtp.reset();
    await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'erase.me.please@example.org' },
    });
    await bed.app.services.sender.drain();
    expect(await bed.smtp.waitForMessages(1)).toHaveLength(1);
    const again = await bed.app.inject({
      method: 'DELETE',
      url: `/api/admin/subscribers/${id}`,
      headers: bearer(),
    });
    expect(again.statusCode).toBe(404);
  });

  it('keeps an erased address that complained blocked, as a keyed hash only', async () => {
    const id = await activeReaderWithDigest('complainer@example.org');
    await bed.pool.query(
      `UPDATE subscribers SET suppressed_at = now(), suppression_reason = 'complaint from complainer@example.org' WHERE id = $1`,
      [id],
    );
    expect(
      (await bed.app.inject({ method: 'DELETE', url: `/api/admin/subscribers/${id}`, headers: bearer() }))
        .statusCode,
    ).toBe(204);
    expect(await tablesHolding('complainer')).toEqual([]);
    bed.smtp.reset();
    const subscribed = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      payload: { email: 'Complainer@Example.org' },
    });
    expect(subscribed.statusCode).toBe(202);
    await bed.app.services.sender.drain();
    const { rows } = await bed.pool.query('SELECT suppressed_at FROM subscribers WHERE lower(email) = $1', [
      'complainer@example.org',
    ]);
    expect(rows[0]?.suppressed_at).toBeInstanceOf(Date);
    expect(bed.smtp.messages).toHaveLength(0);
    // lifting it takes the hash off the list too
    const lifted = await bed.app.inject({
      method: 'DELETE',
      url: '/api/admin/suppressions/complainer@example.org',
      headers: bearer(),
    });
    expect(lifted.statusCode).toBe(204);
    expect((await bed.pool.query('SELECT 1 FROM suppressed_addresses')).rowCount).toBe(0);
  });

  it('blocks addresses from a CSV, known or not, and names a bad one', async () => {
    await bed.pool.query(`INSERT INTO subscribers (email, status) VALUES ('known@example.org', 'active')`);
    const imported = await bed.app.inject({
      method: 'POST',
      url: '/api/admin/suppressions/import',
      headers: { ...bearer(), 'content-type': 'text/csv' },
      payload: 'email,note\nknown@example.org,bounced\nstranger@example.org,complained\n',
    });
    expect(imported.statusCode, imported.body).toBe(200);
    expect(imported.json()).toEqual({ suppressed: 2 });
    const known = await bed.pool.query(
      `SELECT suppressed_at FROM subscribers WHERE email = 'known@example.org'`,
    );
    expect(known.rows[0]?.suppressed_at).toBeInstanceOf(Date);
    expect((await bed.pool.query('SELECT 1 FROM suppressed_addresses')).rowCount).toBe(1);
    expect(await tablesHolding('stranger')).toEqual([]);
    const bad = await bed.app.inject({
      method: 'POST',
      url: '/api/admin/suppressions',
      headers: bearer(),
      payload: { emails: ['fine@example.org', 'not an address'] },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().field).toBe('emails[1]');
    expect((await bed.pool.query('SELECT 1 FROM suppressed_addresses')).rowCount).toBe(1);
  });

  it('ingests a day again and keeps the run', async () => {
    const ingested = await bed.app.inject({
      method: 'POST',
      url: '/api/admin/ingests',
      headers: bearer(),
      payload: { date: '2026-07-28', source: 'sample' },
    });
    expect(ingested.statusCode, ingested.body).toBe(200);
    const runs = (await bed.app.inject({ url: '/api/admin/ingests', headers: bearer() })).json();
    expect(runs[0]).toMatchObject({ day: '2026-07-28', error: null, anomaly: false });
    expect(runs[0].source).toContain('sample');
    const stats = (await bed.app.inject({ url: '/api/admin/stats', headers: bearer() })).json();
    expect(stats.perDay).toHaveLength(90);
    expect(stats.ingests[0].day).toBe('2026-07-28');
  });

  /** The tables whose rows, read as text, contain `needle` (case-blind). */
  async function tablesHolding(needle: string): Promise<string[]> {
    const { rows } = await bed.pool.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
    );
    const holding: string[] = [];
    for (const { table_name } of rows) {
      const found = await bed.pool.query(`SELECT 1 FROM "${table_name}" t WHERE t::text ILIKE $1 LIMIT 1`, [
        `%${needle}%`,
      ]);
      if (found.rowCount) holding.push(table_name);
    }
    return holding;
  }
});

describe('the operator console', () => {
  interface Session {
    cookies: Record<string, string>;
  }

  const cookieHeader = (session: Session) =>
    Object.entries(session.cookies)
      .map(([name, value]) => `${name}=${value}`)
      .join('; ');

  function remember(session: Session, response: { cookies: Array<{ name: string; value: string }> }) {
    for (const c of response.cookies) session.cookies[c.name] = c.value;
  }

  const csrfIn = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

  async function get(session: Session, url: string) {
    const response = await bed.app.inject({
      url,
      headers: { cookie: cookieHeader(session), accept: 'text/html' },
    });
    remember(session, response);
    return response;
  }

  async function post(session: Session, url: string, form: Record<string, string>) {
    const response = await bed.app.inject({
      method: 'POST',
      url,
      headers: {
        cookie: cookieHeader(session),
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'text/html',
      },
      payload: new URLSearchParams(form).toString(),
    });
    remember(session, response);
    return response;
  }

  async function signIn(token = ADMIN_TOKEN): Promise<{ session: Session; status: number }> {
    const session: Session = { cookies: {} };
    const form = await get(session, '/admin/sign-in');
    const answer = await post(session, '/admin/sign-in', { token, next: '/admin', _csrf: csrfIn(form.body) });
    return { session, status: answer.statusCode };
  }

  const pages = ['/admin', '/admin/subscribers', '/admin/editions', '/admin/ingests'];

  it('sends a stranger to sign in, refuses a wrong token, and serves every page after sign-in', async () => {
    for (const url of pages) {
      const stranger = await bed.app.inject({ url });
      expect(stranger.statusCode, url).toBe(303);
      expect(stranger.headers.location).toBe(`/admin/sign-in?next=${encodeURIComponent(url)}`);
    }
    expect((await signIn('wrong')).status).toBe(401);
    const { session, status } = await signIn();
    expect(status).toBe(303);
    const cookie = (await bed.app.inject({ url: '/admin/sign-in' })).cookies;
    expect(cookie.length).toBeGreaterThan(0);
    for (const url of pages) {
      const page = await get(session, url);
      expect(page.statusCode, url).toBe(200);
      expect(page.body).toContain('Sign out');
    }
    // a forged cookie is no session
    const forged = await bed.app.inject({
      url: '/admin',
      headers: { cookie: 'paperboy_admin=session.99999999999' },
    });
    expect(forged.statusCode).toBe(303);
  });

  it('sets the session cookie HttpOnly, SameSite=Strict, with an expiry', async () => {
    const session: Session = { cookies: {} };
    const form = await get(session, '/admin/sign-in');
    const answer = await bed.app.inject({
      method: 'POST',
      url: '/admin/sign-in',
      headers: { cookie: cookieHeader(session), 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ token: ADMIN_TOKEN, _csrf: csrfIn(form.body) }).toString(),
    });
    const set = answer.cookies.find((c) => c.name === 'paperboy_admin');
    expect(set).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/admin', secure: true });
    expect(set?.expires?.getTime()).toBeGreaterThan(Date.now());
  });

  it('ends a session on the server at sign-out: a copy of the cookie taken before opens nothing', async () => {
    const { session } = await signIn();
    const copied: Session = { cookies: { ...session.cookies } };
    expect((await get(copied, '/admin')).statusCode).toBe(200);
    const nav = await get(session, '/admin');
    expect((await post(session, '/admin/sign-out', { _csrf: csrfIn(nav.body) })).statusCode).toBe(303);
    // the audit's reproduction: the cookie copied before sign-out
    const after = await get(copied, '/admin');
    expect(after.statusCode).toBe(303);
    expect(after.headers.location).toMatch(/^\/admin\/sign-in/);
  });

  it('signs out everywhere: every session of every browser ends', async () => {
    const first = (await signIn()).session;
    const second = (await signIn()).session;
    const page = await get(first, '/admin');
    expect(page.body).toContain('Sign out everywhere');
    const answer = await post(first, '/admin/sign-out-everywhere', { _csrf: csrfIn(page.body) });
    expect(answer.headers.location).toBe('/admin/sign-in?notice=signed-out-everywhere');
    for (const session of [first, second]) expect((await get(session, '/admin')).statusCode).toBe(303);
    // and signing in again works
    expect((await get((await signIn()).session, '/admin')).statusCode).toBe(200);
  });

  it('refuses a cross-site form post, and an action without a session', async () => {
    await bed.pool.query(`INSERT INTO subscribers (email, status) VALUES ('target@example.org', 'active')`);
    const { rows } = await bed.pool.query<{ id: string }>(`SELECT id FROM subscribers`);
    const id = (rows[0] as { id: string }).id;
    const { session } = await signIn();
    // what another site's form can send: the browser's cookies (were they not SameSite), no token
    const forged = await post(session, `/admin/subscribers/${id}/erase`, { confirm: 'yes' });
    expect(forged.statusCode).toBe(403);
    const wrongToken = await post(session, `/admin/subscribers/${id}/erase`, { confirm: 'yes', _csrf: 'x' });
    expect(wrongToken.statusCode).toBe(403);
    const anonymous = await post({ cookies: {} }, `/admin/subscribers/${id}/erase`, { confirm: 'yes' });
    expect(anonymous.statusCode).toBe(401);
    // every action of the console, likewise
    const actions: Array<[string, Record<string, string>]> = [
      [`/admin/subscribers/${id}/confirmation`, {}],
      [`/admin/subscribers/${id}/suppression`, { action: 'suppress' }],
      ['/admin/editions/build', { date: '2026-03-11', frequency: 'daily' }],
      ['/admin/editions/send', { date: '2026-03-11', frequency: 'daily' }],
      ['/admin/ingests', { date: '2026-03-11', source: 'sample' }],
      ['/admin/sign-out', {}],
    ];
    const count = async (table: string) => (await bed.pool.query(`SELECT 1 FROM ${table}`)).rowCount;
    const [editionsBefore, runsBefore, deliveriesBefore] = [
      await count('editions'),
      await count('ingest_runs'),
      await count('deliveries'),
    ];
    for (const [url, form] of actions) {
      expect((await post({ cookies: {} }, url, form)).statusCode, `${url} without a session`).toBe(401);
      expect((await post(session, url, form)).statusCode, `${url} without a CSRF token`).toBe(403);
    }
    expect(await count('editions')).toBe(editionsBefore);
    expect(await count('ingest_runs')).toBe(runsBefore);
    expect(await count('deliveries')).toBe(deliveriesBefore);
    expect((await bed.pool.query('SELECT suppressed_at FROM subscribers')).rows[0]?.suppressed_at).toBeNull();
    expect((await bed.pool.query('SELECT 1 FROM subscribers')).rowCount).toBe(1);
    // the form as the console serves it erases
    const page = await get(session, `/admin/subscribers/${id}`);
    const erased = await post(session, `/admin/subscribers/${id}/erase`, {
      confirm: 'yes',
      _csrf: csrfIn(page.body),
    });
    expect(erased.statusCode).toBe(303);
    expect((await bed.pool.query('SELECT 1 FROM subscribers')).rowCount).toBe(0);
  });

  it('imports an uploaded CSV, and refuses a form that is not one CSV file named file, importing nothing', async () => {
    const { session } = await signIn();
    const form = await get(session, '/admin/subscribers/import');
    const upload = async (files: Array<{ field: string; csv: string }>) => {
      const body = new FormData();
      body.set('_csrf', csrfIn(form.body));
      body.set('confirmed', 'yes');
      for (const { field, csv } of files)
        body.append(field, new Blob([csv], { type: 'text/csv' }), 'list.csv');
      // the browser's encoding of the form, boundary and all
      const encoded = new Request('http://paperboy.test', { method: 'POST', body });
      return bed.app.inject({
        method: 'POST',
        url: '/admin/subscribers/import',
        headers: {
          cookie: cookieHeader(session),
          'content-type': encoded.headers.get('content-type') ?? '',
          accept: 'text/html',
        },
        payload: Buffer.from(await encoded.arrayBuffer()),
      });
    };
    const refusals = [
      {
        files: [{ field: 'list', csv: 'email\nann@example.org' }],
        says: 'file: must send its file as the field',
      },
      {
        files: [
          { field: 'file', csv: 'email\nann@example.org' },
          { field: 'file', csv: 'email\nbob@example.org' },
        ],
        says: 'file: must hold one file',
      },
      {
        files: [{ field: 'file', csv: `email\nann@example.org\n${'x'.repeat(16 * 1024 * 1024)}` }],
        says: 'file: has a file larger than 16 MiB',
      },
    ];
    for (const { files, says } of refusals) {
      const refused = await upload(files);
      expect(refused.statusCode, says).toBe(400);
      expect(refused.body).toContain(says);
    }
    expect((await bed.pool.query('SELECT 1 FROM subscribers')).rowCount).toBe(0);

    const imported = await upload([{ field: 'file', csv: 'email\nann@example.org' }]);
    expect(imported.statusCode).toBe(200);
    expect((await bed.pool.query('SELECT email FROM subscribers')).rows).toEqual([
      { email: 'ann@example.org' },
    ]);
  });

  it("says why yesterday's edition is not built, and rebuilds an edition from the Editions form", async () => {
    const { session } = await signIn();
    const yesterday = addDays(isoDay(new Date()), -1);
    const page = await get(session, '/admin/editions');
    expect(page.body).toContain(`Yesterday's daily edition (${yesterday}) is not built yet.`);
    // before EDITION_MAX_WAIT_HOURS past midnight UTC it waits; after, the next run builds it
    expect(page.body).toMatch(
      new RegExp(
        `Waiting for an ingest of ${yesterday} after the day ended .*no ingest of it has run yet|Not built yet; the next run of the edition schedule`,
      ),
    );

    await bed.app.services.editions.build('daily', '2026-03-12');
    const rebuilt = await post(session, '/admin/editions/build', {
      date: '2026-03-12',
      frequency: 'daily',
      rebuild: 'yes',
      _csrf: csrfIn(page.body),
    });
    expect(rebuilt.statusCode).toBe(303);
    expect((await get(session, '/admin/editions')).body).toMatch(
      /Rebuilt by hand at \d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC/,
    );
  });

  it('is closed when ADMIN_TOKEN is not set', async () => {
    const app = await buildApp(testConfig({ DATABASE_URL: bed.database.url }));
    try {
      for (const url of ['/admin', '/admin/sign-in', '/api/admin/stats', '/api/admin/subscribers'])
        expect((await app.inject({ url })).statusCode, url).toBe(404);
    } finally {
      await app.close();
    }
  });
});
