import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { LINK_PATHS } from '../src/subscribers/links.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { MAX_UNANSWERED_CONFIRMATIONS } from '../src/subscribers/store.ts';
import { TEST_PUBLIC_URL } from './helpers/app.ts';
import { confirmTokenFor } from './helpers/subscribers.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Consent and abuse: what link scanners, cross-site forms and list-bombers meet (README
// "Subscribing"; RELIABILITY.md lists each finding with its test).

const bed = useTestBed({ smtp: true, fixtures: true, truncate: ['subscribers'] });

const subscribe = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  bed.app.inject({ method: 'POST', url: '/api/subscriptions', payload: body, headers });

/** Everything a link could change: the reader, their requests, what they taught, their mail. */
async function snapshot() {
  const { rows } = await bed.pool.query(
    `SELECT s.*,
       (SELECT json_agg(r ORDER BY r.created_at) FROM subscription_requests r WHERE r.subscriber_id = s.id) AS requests,
       (SELECT json_agg(g ORDER BY g.arxiv_id) FROM reader_signals g WHERE g.subscriber_id = s.id) AS signals,
       (SELECT json_agg(f ORDER BY f.author) FROM reader_follows f WHERE f.subscriber_id = s.id) AS follows,
       (SELECT count(*) FROM deliveries d WHERE d.subscriber_id = s.id) AS deliveries
     FROM subscribers s ORDER BY s.email`,
  );
  return rows;
}

/** The paths of every link to Paperboy in a piece of HTML. */
function linksIn(html: string): string[] {
  const paths = [...html.matchAll(/href="https:\/\/paperboy\.test([^"]*)"/g)].map((m) =>
    (m[1] as string).replaceAll('&amp;', '&'),
  );
  return [...new Set(paths)];
}

const TOKEN_PAGE = new RegExp(`^(${Object.values(LINK_PATHS).join('|')})/`);

/** What Outlook Safe Links, gateways and previewers do with a mail: fetch every link, GET and HEAD. */
async function scanLinks(html: string): Promise<number> {
  const paths = linksIn(html);
  for (const url of paths) {
    for (const method of ['GET', 'HEAD'] as const) {
      const response = await bed.app.inject({ method, url });
      expect(response.statusCode, `${method} ${url}`).toBeLessThan(500);
      // a page behind a token shows the reader's address: no cache may keep it
      if (TOKEN_PAGE.test(url)) expect(response.headers['cache-control'], url).toBe('no-store');
    }
  }
  return paths.length;
}

async function sentMail(count: number): Promise<ParsedMail[]> {
  await bed.app.services.sender.drain();
  return bed.smtp.waitForMessages(count);
}

describe('link scanners give no consent', () => {
  it('a GET or HEAD of every link of a confirmation mail confirms nothing; the page’s button does', async () => {
    await subscribe({ email: 'ann@example.org' });
    const [mail] = await sentMail(1);
    const before = await snapshot();
    expect(await scanLinks(String(mail?.html))).toBeGreaterThan(0);
    expect(await snapshot()).toEqual(before);
    expect(before[0].status).toBe('pending');

    const [confirmPath] = linksIn(String(mail?.html)).filter((p) => p.startsWith('/confirm/'));
    const page = await bed.app.inject({ method: 'GET', url: confirmPath as string });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('<form method="post">');
    expect(page.body).toContain('Confirm my subscription');
    const pressed = await bed.app.inject({ method: 'POST', url: confirmPath as string });
    expect(pressed.body).toContain('You are subscribed');
    expect((await snapshot())[0].status).toBe('active');
  });

  it('a stranger’s change to a reader’s digest is not applied by a scanner of the mail', async () => {
    await subscribe({ email: 'ann@example.org', maxPapers: 7 });
    await bed.app.inject({ method: 'POST', url: linksIn(String((await sentMail(1))[0]?.html))[0] as string });
    await bed.pool.query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '1 hour'`);
    // the audit's reproduction: weekly, one paper, keyword "zzzqx", "only"
    await subscribe({
      email: 'ann@example.org',
      frequency: 'weekly',
      maxPapers: 1,
      keywords: 'zzzqx',
      keywordMode: 'only',
    });
    const [, change] = await sentMail(2);
    const before = await snapshot();
    await scanLinks(String(change?.html));
    expect(await snapshot()).toEqual(before);
    expect(before[0]).toMatchObject({ frequency: 'daily', max_papers: 7, keywords: [] });
  });

  it('an unsubscribed reader is not subscribed again by a scanner of any link', async () => {
    await subscribe({ email: 'ann@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = now()`);
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    const unsubscribePage = await bed.app.inject({
      method: 'GET',
      url: bed.app.services.links.url('unsubscribe', ann).slice(TEST_PUBLIC_URL.length),
    });
    const preferencesPage = await bed.app.inject({
      method: 'GET',
      url: bed.app.services.links.url('preferences', ann).slice(TEST_PUBLIC_URL.length),
    });
    const before = await snapshot();
    // the resubscribe button's address, fetched as a link
    for (const html of [unsubscribePage.body, preferencesPage.body]) {
      const actions = [...html.matchAll(/action="https:\/\/paperboy\.test([^"]*)"/g)].map(
        (m) => m[1] as string,
      );
      expect(actions.length).toBeGreaterThan(0);
      for (const url of actions)
        for (const method of ['GET', 'HEAD'] as const) await bed.app.inject({ method, url });
    }
    expect(await snapshot()).toEqual(before);
    expect(before[0].status).toBe('unsubscribed');
  });

  it('a GET or HEAD of every link of a digest, and of the pages they open, records no feedback or follow', async () => {
    await subscribe({ email: 'ann@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const { renderPersonalDigest } = await import('../src/digest/personal-digest.ts');
    const digest = await renderPersonalDigest({
      edition,
      preferences: DEFAULT_PREFERENCES,
      recipient: { email: ann.email, ...bed.app.services.links.forDigest(ann) },
      renderer: bed.app.services.renderer,
    });
    const before = await snapshot();
    const links = linksIn(String(digest?.html));
    expect(links.some((p) => p.startsWith('/more-like-this/'))).toBe(true);
    await scanLinks(String(digest?.html));
    // a scanner that also follows the forms' addresses of the feedback page (follow, undo)
    const feedback = await bed.app.inject({
      method: 'GET',
      url: links.find((p) => p.startsWith('/more-like-this/'))!,
    });
    for (const [, url] of feedback.body.matchAll(/action="https:\/\/paperboy\.test([^"]*)"/g))
      for (const method of ['GET', 'HEAD'] as const) await bed.app.inject({ method, url: url as string });
    expect(await snapshot()).toEqual(before);
  });
});

describe('list-bombing', () => {
  const mails = async () =>
    (
      await bed.pool.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM deliveries WHERE kind = 'confirmation'`,
      )
    ).rows[0]?.count;
  const tenMinutesPass = () =>
    bed.pool.query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '11 minutes'`);

  it(`sends a never-confirmed address ${MAX_UNANSWERED_CONFIRMATIONS} confirmations in all, then nothing until it confirms`, async () => {
    // the audit's reproduction: a form post every 10 minutes for a day
    for (let i = 0; i < 144; i++) {
      expect((await subscribe({ email: 'victim@example.org' })).statusCode).toBe(202);
      await tenMinutesPass();
    }
    expect(await mails()).toBe(MAX_UNANSWERED_CONFIRMATIONS);

    // once the owner confirms one, they can ask for a change again
    const [mail] = await sentMail(MAX_UNANSWERED_CONFIRMATIONS);
    await bed.app.inject({ method: 'POST', url: linksIn(String(mail?.html))[0] as string });
    await subscribe({ email: 'victim@example.org', maxPapers: 4 });
    expect(await mails()).toBe(MAX_UNANSWERED_CONFIRMATIONS + 1);
  });

  it.each([
    ['a foreign Origin', { origin: 'https://evil.example' }],
    ['Origin: null', { origin: 'null' }],
    ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
    [
      'Sec-Fetch-Site: cross-site and a matching Origin',
      { 'sec-fetch-site': 'cross-site', origin: TEST_PUBLIC_URL },
    ],
  ])(
    'refuses a browser form post with %s (403) before storing or sending anything',
    async (_what, headers) => {
      const response = await bed.app.inject({
        method: 'POST',
        url: '/api/subscriptions',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        payload: 'email=victim%40example.org',
      });
      expect(response.statusCode).toBe(403);
      expect(await snapshot()).toEqual([]);
    },
  );

  it('accepts a post from Paperboy’s own pages, and from clients that are not browsers', async () => {
    for (const headers of [
      { origin: TEST_PUBLIC_URL },
      { 'sec-fetch-site': 'same-origin' },
      // what Chromium sends with its own form posts under Referrer-Policy: no-referrer
      { 'sec-fetch-site': 'same-origin', origin: 'null' },
      {},
    ] as Record<string, string>[])
      expect((await subscribe({ email: 'ann@example.org' }, headers)).statusCode).toBe(202);
  });

  it('refuses foreign posts on link pages too, but takes RFC 8058 one-click posts from anywhere', async () => {
    await subscribe({ email: 'ann@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    const foreign = { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' };
    const preferences = bed.app.services.links.url('preferences', ann).slice(TEST_PUBLIC_URL.length);
    const changed = await bed.app.inject({
      method: 'POST',
      url: preferences,
      headers: foreign,
      payload: 'maxPapers=1',
    });
    expect(changed.statusCode).toBe(403);
    const oneClick = await bed.app.inject({
      method: 'POST',
      url: bed.app.services.links.url('unsubscribe', ann).slice(TEST_PUBLIC_URL.length),
      headers: foreign,
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    expect((await snapshot())[0]).toMatchObject({ status: 'unsubscribed', max_papers: 10 });
  });
});

describe('addresses that never receive mail', () => {
  it.each(['a@1.2.3.4', 'a@[1.2.3.4]', 'a@box.invalid', 'a@my.localhost'])(
    'refuses %s at subscribe and at import, storing nothing',
    async (email) => {
      const response = await subscribe({ email });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ field: 'email' });
      const { importCsv } = await import('../src/subscribers/csv.ts');
      const { Readable } = await import('node:stream');
      const report = await importCsv({
        pool: bed.pool,
        hasher: bed.app.services.addressHasher,
        input: Readable.from([`email\n"${email}"\n`]),
        update: false,
      });
      expect(report).toMatchObject({ added: 0, invalid: [{ line: 2 }] });
      expect(await snapshot()).toEqual([]);
    },
  );
});

describe('images in mail', () => {
  it('shows a thumbnail only over https from Hugging Face’s own hosts', async () => {
    const { huggingFaceImage } = await import('../src/digest/presentation.ts');
    const real = 'https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2605.15298.png';
    expect(huggingFaceImage(real)).toBe(real);
    for (const url of [
      'http://cdn-thumbnails.huggingface.co/x.png',
      'https://tracker.example/pixel.gif?reader=1',
      'https://huggingface.co.evil.example/x.png',
      'https://evilhuggingface.co/x.png',
      'https://user:pass@huggingface.co/x.png',
      'javascript:alert(1)',
    ])
      expect(huggingFaceImage(url), url).toBeNull();

    // a paper whose stored thumbnail is a tracking pixel: the digest shows none
    await bed.pool.query(`UPDATE papers SET thumbnail = 'http://tracker.example/pixel.gif'`);
    await subscribe({ email: 'ann@example.org' });
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-12');
    const { renderPersonalDigest } = await import('../src/digest/personal-digest.ts');
    const digest = await renderPersonalDigest({
      edition,
      preferences: DEFAULT_PREFERENCES,
      recipient: { email: ann.email, ...bed.app.services.links.forDigest(ann) },
      renderer: bed.app.services.renderer,
    });
    expect(edition.papers.length).toBeGreaterThan(0);
    expect(String(digest?.html)).not.toContain('tracker.example');
  });
});

describe('what readers are told', () => {
  it('tells a digest reader how they got on the list without claiming a confirmation an import never had', async () => {
    await subscribe({ email: 'ann@example.org' });
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
    const { renderPersonalDigest } = await import('../src/digest/personal-digest.ts');
    const digest = await renderPersonalDigest({
      edition,
      preferences: DEFAULT_PREFERENCES,
      recipient: { email: ann.email, ...bed.app.services.links.forDigest(ann) },
      renderer: bed.app.services.renderer,
    });
    expect(digest?.text).toContain('or imported by its operator');
    expect(digest?.text).not.toMatch(/subscribed at \S+ and confirmed the subscription/);
  });
});

describe('rotating SECRET_KEY', () => {
  it('keeps links signed with a previous key working until their own expiry; new links use the new key', async () => {
    const { buildApp } = await import('../src/http/app.ts');
    const { testConfig, TEST_SECRET_KEY } = await import('./helpers/app.ts');
    await subscribe({ email: 'ann@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
    const ann = (await bed.app.services.subscribers.findByEmail('ann@example.org'))!;
    // mail sent before the rotation, signed with the old key (this bed's SECRET_KEY)
    const oldUnsubscribe = bed.app.services.links.url('unsubscribe', ann).slice(TEST_PUBLIC_URL.length);
    const oldExpired = `/confirm/${await confirmTokenFor(bed.pool, bed.app.services.tokens, ann, new Date(Date.now() - 1000))}`;

    const newKey = 'a-new-secret-key-after-rotation-0123456789';
    const rotated = await buildApp(
      testConfig({
        DATABASE_URL: bed.database.url,
        SECRET_KEY: newKey,
        SECRET_KEY_PREVIOUS: TEST_SECRET_KEY,
      }),
    );
    const forgotten = await buildApp(testConfig({ DATABASE_URL: bed.database.url, SECRET_KEY: newKey }));
    try {
      // without the old key, old mail's links are dead: the audit's finding
      expect((await forgotten.inject({ method: 'GET', url: oldUnsubscribe })).statusCode).toBe(404);
      // with it, they work, and a link past its own expiry still does not
      expect((await rotated.inject({ method: 'GET', url: oldExpired })).statusCode).toBe(410);
      const oneClick = await rotated.inject({
        method: 'POST',
        url: oldUnsubscribe,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
      expect(oneClick.statusCode).toBe(200);
      expect((await snapshot())[0].status).toBe('unsubscribed');
      // new links are signed with the new key only
      const fresh = rotated.services.links.url('preferences', ann).slice(TEST_PUBLIC_URL.length);
      expect((await rotated.inject({ method: 'GET', url: fresh })).statusCode).toBe(200);
      expect((await bed.app.inject({ method: 'GET', url: fresh })).statusCode).toBe(404);
    } finally {
      await rotated.close();
      await forgotten.close();
    }
  });
});
