import { beforeEach, describe, expect, it } from 'vitest';
import type { Subscriber } from '../src/subscribers/subscriber.ts';
import { LinkTokens } from '../src/subscribers/tokens.ts';
import { confirmTokenFor, subscriberById } from './helpers/subscribers.ts';
import { useTestBed } from './helpers/test-bed.ts';

// no SMTP peer: mail goes to the outbox, which these tests do not read
const bed = useTestBed();

async function snapshot() {
  const { rows } = await bed.pool.query(
    `SELECT s.*, (SELECT json_agg(d ORDER BY d.id) FROM deliveries d WHERE d.subscriber_id = s.id) AS deliveries
     FROM subscribers s ORDER BY s.email`,
  );
  return rows;
}

async function newSubscriber(email: string, status: 'pending' | 'active' = 'active'): Promise<Subscriber> {
  await bed.app.services.subscribers.subscribe({ email });
  const { rows } = await bed.pool.query<{ id: string }>(
    'UPDATE subscribers SET status = $2 WHERE email = $1 RETURNING id',
    [email, status],
  );
  return (await subscriberById(bed.pool, rows[0]!.id))!;
}

const oneClick = (url: string, payload = 'List-Unsubscribe=One-Click') =>
  bed.app.inject({
    method: 'POST',
    url,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload,
  });

beforeEach(async () => {
  await bed.pool.query('TRUNCATE subscribers CASCADE');
});

describe('tokens', () => {
  it('rejects tampered, wrong-purpose, foreign and expired tokens, changing nothing', async () => {
    const ann = await newSubscriber('ann@example.org', 'pending');
    const bob = await newSubscriber('bob@example.org', 'active');
    const tokens = bed.app.services.tokens;
    const inAMinute = new Date(Date.now() + 60_000);
    const confirm = await confirmTokenFor(bed.pool, tokens, ann, inAMinute);
    const bobConfirm = await confirmTokenFor(bed.pool, tokens, bob, inAMinute);
    const tampered = `${confirm.slice(0, -2)}${confirm.endsWith('AA') ? 'BB' : 'AA'}`;
    const otherRequest = `${bobConfirm.split('.')[0]}${confirm.slice(confirm.indexOf('.'))}`;
    const wrongPurpose = tokens.create('unsubscribe', ann);
    const otherKey = await confirmTokenFor(
      bed.pool,
      new LinkTokens('another-secret-key-of-32-characters!!'),
      ann,
      inAMinute,
    );
    // signed for the subscriber instead of a request: no mail carries such a link
    const forTheSubscriber = tokens.create('confirm', ann, inAMinute);
    const before = await snapshot();

    for (const token of [
      forTheSubscriber,
      tampered,
      otherRequest,
      wrongPurpose,
      otherKey,
      'garbage',
      `${ann.id}.0.short`,
    ]) {
      for (const method of ['GET', 'POST'] as const) {
        const response = await bed.app.inject({ method, url: `/confirm/${encodeURIComponent(token)}` });
        expect(response.statusCode, `${method} ${token}`).toBe(404);
      }
    }
    for (const token of [tokens.create('preferences', bob), bobConfirm]) {
      expect((await oneClick(`/unsubscribe/${token}`)).statusCode).toBe(404);
      expect((await bed.app.inject({ method: 'GET', url: `/unsubscribe/${token}` })).statusCode).toBe(404);
    }
    expect(
      (await bed.app.inject({ method: 'GET', url: `/preferences/${tokens.create('unsubscribe', bob)}` }))
        .statusCode,
    ).toBe(404);
    expect(await snapshot()).toEqual(before);
  });

  it('shows an expired confirmation link as expired, with a way to ask again, and changes nothing', async () => {
    const ann = await newSubscriber('ann@example.org', 'pending');
    const expired = await confirmTokenFor(
      bed.pool,
      bed.app.services.tokens,
      ann,
      new Date(Date.now() - 1000),
    );
    const before = await snapshot();
    const response = await bed.app.inject({ method: 'GET', url: `/confirm/${expired}` });
    expect(response.statusCode).toBe(410);
    expect((await bed.app.inject({ method: 'POST', url: `/confirm/${expired}` })).statusCode).toBe(410);
    expect(response.body).toContain('expired');
    expect(response.body).toContain('action="/api/subscriptions"');
    expect(response.body).toContain('value="ann@example.org"');
    expect(await snapshot()).toEqual(before);
  });

  it('lasts 7 days from the request in a confirmation mail', async () => {
    const ann = await newSubscriber('ann@example.org', 'pending');
    const inSixDays = await confirmTokenFor(
      bed.pool,
      bed.app.services.tokens,
      ann,
      new Date(Date.now() + 6 * 86_400_000),
    );
    expect((await bed.app.inject({ method: 'GET', url: `/confirm/${inSixDays}` })).statusCode).toBe(200);
    expect((await bed.app.inject({ method: 'POST', url: `/confirm/${inSixDays}` })).statusCode).toBe(200);
  });

  it('is revoked for every link at once by rotating the nonce', async () => {
    const bob = await newSubscriber('bob@example.org', 'active');
    const token = bed.app.services.tokens.create('unsubscribe', bob);
    await bed.pool.query('UPDATE subscribers SET link_nonce = gen_random_uuid()');
    expect((await oneClick(`/unsubscribe/${token}`)).statusCode).toBe(404);
    expect((await subscriberById(bed.pool, bob.id))?.status).toBe('active');
  });
});

describe('one-click unsubscribe (RFC 8058)', () => {
  it('GET shows a button and changes nothing, so link scanners unsubscribe no one', async () => {
    const bob = await newSubscriber('bob@example.org');
    const url = `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`;
    const before = await snapshot();
    for (let i = 0; i < 3; i++) {
      const page = await bed.app.inject({ method: 'GET', url });
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain('<form method="post">');
      expect(page.body).toContain('name="List-Unsubscribe" value="One-Click"');
    }
    const head = await bed.app.inject({ method: 'HEAD', url });
    expect(head.statusCode).toBe(200);
    expect(await snapshot()).toEqual(before);
  });

  it('POST with a url-encoded body unsubscribes: 200, no redirect, idempotent, pending mail cancelled', async () => {
    const bob = await newSubscriber('bob@example.org');
    const url = `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`;
    for (let i = 0; i < 2; i++) {
      const response = await oneClick(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers.location).toBeUndefined();
    }
    const [row] = await snapshot();
    expect(row.status).toBe('unsubscribed');
    expect(row.deliveries.map((d: { status: string }) => d.status)).toEqual(['cancelled']);
  });

  it('POST with a multipart body unsubscribes', async () => {
    const bob = await newSubscriber('bob@example.org');
    const boundary = '----paperboy-test';
    const body = `--${boundary}\r\nContent-Disposition: form-data; name="List-Unsubscribe"\r\n\r\nOne-Click\r\n--${boundary}--\r\n`;
    const response = await bed.app.inject({
      method: 'POST',
      url: `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload: body,
    });
    expect(response.statusCode).toBe(200);
    expect((await subscriberById(bed.pool, bob.id))?.status).toBe('unsubscribed');
  });

  it('POST without List-Unsubscribe=One-Click is refused and changes nothing', async () => {
    const bob = await newSubscriber('bob@example.org');
    const response = await oneClick(
      `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`,
      'List-Unsubscribe=Yes',
    );
    expect(response.statusCode).toBe(400);
    expect((await subscriberById(bed.pool, bob.id))?.status).toBe('active');
  });
});

describe('preferences page', () => {
  it('shows the current choice and saves a new one', async () => {
    const bob = await newSubscriber('bob@example.org');
    const url = `/preferences/${bed.app.services.tokens.create('preferences', bob)}`;
    const page = await bed.app.inject({ method: 'GET', url });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('bob@example.org');
    expect(page.body).toContain('<option value="7" selected>07:00</option>');
    // the dial at its default, no muted word
    expect(page.body).toContain('name="personalisation" value="75" checked');
    expect(page.body).toContain('id="mutedKeywords" name="mutedKeywords" maxlength="1300" value=""');

    const saved = await bed.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload:
        'frequency=weekly&weekday=2&deliveryHour=18&timezone=Asia%2FTokyo&keywords=vision%2C+agents&keywordMode=only&maxPapers=5&personalisation=25&mutedKeywords=survey%2C+benchmarks',
    });
    expect(saved.statusCode).toBe(200);
    const after = await subscriberById(bed.pool, bob.id);
    expect(after?.preferences).toEqual({
      frequency: 'weekly',
      weekday: 2,
      monthDay: 1,
      deliveryHour: 18,
      timezone: 'Asia/Tokyo',
      keywords: ['vision', 'agents'],
      keywordMode: 'only',
      maxPapers: 5,
      personalisation: 25,
      mutedKeywords: ['survey', 'benchmarks'],
    });
    const again = await bed.app.inject({ method: 'GET', url });
    expect(again.body).toContain('name="personalisation" value="25" checked');
    expect(again.body).toContain('value="survey, benchmarks"');
  });

  it('refuses an invalid value, naming the field, and keeps what was stored', async () => {
    const bob = await newSubscriber('bob@example.org');
    const response = await bed.app.inject({
      method: 'POST',
      url: `/preferences/${bed.app.services.tokens.create('preferences', bob)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'timezone=Nowhere%2FLand',
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().field).toBe('timezone');
    expect((await subscriberById(bed.pool, bob.id))?.preferences.timezone).toBe('UTC');
  });

  it('brings a browser back to the page with what was typed and the message, storing nothing', async () => {
    const bob = await newSubscriber('bob@example.org');
    const response = await bed.app.inject({
      method: 'POST',
      url: `/preferences/${bed.app.services.tokens.create('preferences', bob)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: 'timezone=Nowhere%2FLand&maxPapers=7',
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain('role="alert"');
    expect(response.body).toContain('Nowhere/Land');
    expect(response.body).toMatch(/<input id="maxPapers"[^>]*value="7"/);
    expect(await subscriberById(bed.pool, bob.id)).toMatchObject({
      preferences: expect.objectContaining({ timezone: 'UTC', maxPapers: 10 }),
    });
  });
});

describe('leaving and coming back', () => {
  it('pauses the digest for a few weeks and resumes it, from the preferences page', async () => {
    const bob = await newSubscriber('bob@example.org');
    const url = `/preferences/${bed.app.services.tokens.create('preferences', bob)}`;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    expect((await bed.app.inject({ method: 'GET', url })).body).toContain('Pause your digest for');
    const paused = await bed.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: form,
      payload: 'weeks=2',
    });
    expect(paused.statusCode).toBe(200);
    expect(paused.body).toContain('Your digest is paused');
    const until = (await subscriberById(bed.pool, bob.id))?.pausedUntil as Date;
    expect(Math.round((until.getTime() - Date.now()) / 86_400_000)).toBe(14);
    expect((await bed.app.inject({ method: 'GET', url })).body).toContain('Resume now');
    const tooLong = await bed.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: form,
      payload: 'weeks=9',
    });
    expect(tooLong.statusCode).toBe(400);
    const resumed = await bed.app.inject({
      method: 'POST',
      url: `${url}/pause`,
      headers: form,
      payload: 'weeks=0',
    });
    expect(resumed.body).toContain('Your digest is back');
    expect((await subscriberById(bed.pool, bob.id))?.pausedUntil).toBeNull();
  });

  it('offers one digest a week instead of leaving, from the unsubscribe page', async () => {
    const bob = await newSubscriber('bob@example.org');
    const page = await bed.app.inject({
      method: 'GET',
      url: `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`,
    });
    const action =
      /<form method="post" action="([^"]+)">\s*<input type="hidden" name="frequency" value="weekly">/.exec(
        page.body,
      )?.[1];
    expect(action).toMatch(/\/preferences\//);
    const weekly = await bed.app.inject({
      method: 'POST',
      url: new URL(action as string).pathname,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'frequency=weekly',
    });
    expect(weekly.statusCode).toBe(200);
    expect(await subscriberById(bed.pool, bob.id)).toMatchObject({
      status: 'active',
      preferences: expect.objectContaining({ frequency: 'weekly' }),
    });
  });

  it('shows an unsubscribed address as such, saves without promising mail, and subscribes it again in one click', async () => {
    const bob = await newSubscriber('bob@example.org');
    await oneClick(`/unsubscribe/${bed.app.services.tokens.create('unsubscribe', bob)}`);
    const url = `/preferences/${bed.app.services.tokens.create('preferences', bob)}`;
    const page = await bed.app.inject({ method: 'GET', url });
    expect(page.body).toContain('You are unsubscribed');
    const saved = await bed.app.inject({
      method: 'POST',
      url,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'maxPapers=7',
    });
    expect(saved.body).toContain('nothing is sent until you subscribe again');
    expect(saved.body).not.toContain('You will receive');

    const again = await bed.app.inject({ method: 'POST', url: `${url}/resubscribe` });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('You are subscribed again');
    expect(await subscriberById(bed.pool, bob.id)).toMatchObject({ status: 'active', unsubscribedAt: null });
    // a forged link changes nothing
    const forged = await bed.app.inject({
      method: 'POST',
      url: `/preferences/${bob.id}.0.${'A'.repeat(32)}/resubscribe`,
    });
    expect(forged.statusCode).toBe(404);
  });
});
