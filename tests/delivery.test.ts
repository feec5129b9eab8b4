import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from 'mailauth/lib/dkim/verify.js';
import { describe, expect, it } from 'vitest';
import { addDays, isoDay } from '../src/dates.ts';
import { SIGNED } from '../src/delivery/dkim.ts';
import { fanOut, sendDay } from '../src/delivery/fan-out.ts';
import type { Edition } from '../src/digest/editions.ts';
import { buildApp } from '../src/http/app.ts';
import { TEST_PUBLIC_URL, TEST_SECRET_KEY, testConfig } from './helpers/app.ts';
import { runCli } from './helpers/cli.ts';
import { useTestBed } from './helpers/test-bed.ts';

const WEBHOOK_SECRET = 'webhook-secret-for-tests';
const ADMIN_TOKEN = 'admin-token-for-tests';
const bed = useTestBed({
  smtp: true,
  fixtures: true,
  env: { WEBHOOK_SECRET, ADMIN_TOKEN },
  truncate: ['subscribers', 'editions'],
});

async function addSubscriber(email: string, fields: Record<string, unknown> = {}) {
  const columns = {
    status: 'active',
    frequency: 'daily',
    timezone: 'UTC',
    delivery_hour: 7,
    weekday: 1,
    ...fields,
  };
  const names = Object.keys(columns);
  const { rows } = await bed.pool.query(
    `INSERT INTO subscribers (email, ${names.join(', ')}) VALUES ($1, ${names.map((_, i) => `$${i + 2}`).join(', ')}) RETURNING id`,
    [email, ...Object.values(columns)],
  );
  return rows[0].id as string;
}

/** A stored edition without papers' details: fan-out only needs its id, frequency and day. */
async function edition(frequency: 'daily' | 'weekly', day: string): Promise<Edition> {
  const { rows } = await bed.pool.query(
    `INSERT INTO editions (frequency, day, status) VALUES ($1, $2, 'ready') RETURNING id`,
    [frequency, day],
  );
  return { id: rows[0].id, frequency, day, status: 'ready', emptyReason: null, papers: [] };
}

async function dueTimes(editionId: number) {
  const { rows } = await bed.pool.query(
    `SELECT s.email, d.due_at FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id WHERE d.edition_id = $1 ORDER BY s.email`,
    [editionId],
  );
  return Object.fromEntries(rows.map((row) => [row.email, row.due_at.toISOString()]));
}

describe('fan-out', () => {
  it('writes one row per mailable subscriber of the frequency, once', async () => {
    await addSubscriber('a@example.org');
    await addSubscriber('b@example.org');
    await addSubscriber('pending@example.org', { status: 'pending' });
    await addSubscriber('gone@example.org', { status: 'unsubscribed' });
    await addSubscriber('weekly@example.org', { frequency: 'weekly' });
    await addSubscriber('bounced@example.org', { suppressed_at: new Date() });
    await addSubscriber('away@example.org', { paused_until: new Date(Date.now() + 86_400_000) });
    await addSubscriber('back@example.org', { paused_until: new Date(Date.now() - 1000) });
    const daily = await edition('daily', '2026-03-10');
    expect(await fanOut(bed.pool, daily, { now: false })).toBe(3);
    expect(await fanOut(bed.pool, daily, { now: false })).toBe(0);
    await addSubscriber('late@example.org');
    expect(await fanOut(bed.pool, daily, { now: false })).toBe(1);
    expect(Object.keys(await dueTimes(daily.id!))).toEqual([
      'a@example.org',
      'b@example.org',
      'back@example.org',
      'late@example.org',
    ]);
  });

  it('makes each delivery due at the subscriber’s hour in their time zone, right across daylight saving', async () => {
    // US clocks go forward on 2026-03-08, European ones on 2026-03-29
    await addSubscriber('ny@example.org', { timezone: 'America/New_York', delivery_hour: 7 });
    await addSubscriber('berlin@example.org', { timezone: 'Europe/Berlin', delivery_hour: 7 });
    await addSubscriber('ny-gap@example.org', { timezone: 'America/New_York', delivery_hour: 2 });
    await addSubscriber('utc@example.org', { timezone: 'UTC', delivery_hour: 0 });

    const beforeUsChange = await edition('daily', '2026-03-06'); // sent 2026-03-07, EST and CET
    const usChange = await edition('daily', '2026-03-07'); // sent 2026-03-08, the US change day
    const euChange = await edition('daily', '2026-03-28'); // sent 2026-03-29, the EU change day
    for (const e of [beforeUsChange, usChange, euChange]) await fanOut(bed.pool, e, { now: false });

    expect(sendDay(usChange)).toBe('2026-03-08');
    expect(await dueTimes(beforeUsChange.id!)).toEqual({
      'berlin@example.org': '2026-03-07T06:00:00.000Z',
      'ny-gap@example.org': '2026-03-07T07:00:00.000Z',
      'ny@example.org': '2026-03-07T12:00:00.000Z',
      'utc@example.org': '2026-03-07T00:00:00.000Z',
    });
    const us = await dueTimes(usChange.id!);
    expect(us['ny@example.org']).toBe('2026-03-08T11:00:00.000Z'); // 07:00 EDT
    expect(us['berlin@example.org']).toBe('2026-03-08T06:00:00.000Z'); // 07:00 CET
    // 02:00 does not exist in New York that night: the mail still goes, an hour later in local time
    expect(us['ny-gap@example.org']).toBe('2026-03-08T07:00:00.000Z');
    const eu = await dueTimes(euChange.id!);
    expect(eu['berlin@example.org']).toBe('2026-03-29T05:00:00.000Z'); // 07:00 CEST
    expect(eu['ny@example.org']).toBe('2026-03-29T11:00:00.000Z');
  });

  it('sends a weekly edition in the following week, on each subscriber’s weekday', async () => {
    await addSubscriber('monday@example.org', { frequency: 'weekly', weekday: 1, delivery_hour: 7 });
    await addSubscriber('tokyo-wed@example.org', {
      frequency: 'weekly',
      weekday: 3,
      delivery_hour: 9,
      timezone: 'Asia/Tokyo',
    });
    const weekly = await edition('weekly', '2026-03-09');
    await fanOut(bed.pool, weekly, { now: false });
    expect(await dueTimes(weekly.id!)).toEqual({
      'monday@example.org': '2026-03-16T07:00:00.000Z',
      'tokyo-wed@example.org': '2026-03-18T00:00:00.000Z',
    });
  });
});

describe('sending digests', () => {
  it('sends with list headers, a derived Message-ID, and a working one-click link', async () => {
    await addSubscriber('reader@example.org', { keywords: ['LoRA'] });
    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    expect(await bed.app.services.sender.drain(daily.id)).toMatchObject({ sent: 1 });
    const [mail] = await bed.smtp.waitForMessages(1);
    const header = (name: string) =>
      mail!.headerLines.find((h) => h.key === name)?.line.replace(/\r?\n\s+/g, ' ');
    const unsubscribe = /^List-Unsubscribe: <(https:\/\/paperboy\.test\/unsubscribe\/[^>]+)>$/.exec(
      header('list-unsubscribe') ?? '',
    );
    expect(unsubscribe).not.toBeNull();
    expect(header('list-unsubscribe-post')).toBe('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(header('list-id')).toMatch(/^List-Id: Paperboy daily digest <daily\.paperboy\.paperboy\.test>$/i);
    expect(mail!.messageId).toMatch(/^<delivery-\d+\.digest@paperboy\.test>$/);
    expect(mail!.subject).toMatch(/match your keywords · 11 Mar 2026$/);
    expect(mail!.text).toContain('matches “LoRA”');

    const oneClick = await bed.app.inject({
      method: 'POST',
      url: unsubscribe![1]!.slice(TEST_PUBLIC_URL.length),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.statusCode).toBe(200);
    const { rows } = await bed.pool.query(`SELECT status FROM subscribers`);
    expect(rows[0].status).toBe('unsubscribed');
  });

  it('sends nothing to an only-mode subscriber without a match, and says so in the ledger', async () => {
    await addSubscriber('picky@example.org', { keywords: ['quantum chromodynamics'], keyword_mode: 'only' });
    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    expect(await bed.app.services.sender.drain(daily.id)).toMatchObject({ sent: 0, cancelled: 1 });
    const { rows } = await bed.pool.query(`SELECT status, last_error FROM deliveries`);
    expect(rows[0]).toMatchObject({ status: 'cancelled', last_error: expect.stringContaining('only mode') });
  });

  it('does not send a digest already queued to a reader who paused since', async () => {
    await addSubscriber('away@example.org');
    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    await bed.pool.query(`UPDATE subscribers SET paused_until = now() + interval '7 days'`);
    expect(await bed.app.services.sender.drain(daily.id)).toMatchObject({ sent: 0, cancelled: 1 });
    expect(bed.smtp.messages).toHaveLength(0);
  });

  it('fails a 550 to RCPT and suppresses the address', async () => {
    await addSubscriber('nobody@example.org');
    await addSubscriber('somebody@example.org');
    bed.smtp.rejectRecipients.add('nobody@example.org');
    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    expect(await bed.app.services.sender.drain(daily.id)).toMatchObject({ sent: 1, failed: 1 });
    const { rows } = await bed.pool.query(
      `SELECT email, suppressed_at IS NOT NULL AS suppressed, suppression_reason FROM subscribers ORDER BY email`,
    );
    expect(rows[0]).toMatchObject({ email: 'nobody@example.org', suppressed: true });
    expect(rows[0].suppression_reason).toMatch(/hard bounce.*550/);
    expect(rows[1]).toMatchObject({ email: 'somebody@example.org', suppressed: false });
    // suppressed addresses are left out of the next edition
    const next = (await bed.app.services.editions.build('daily', '2026-03-12')).edition;
    expect(await fanOut(bed.pool, next, { now: true })).toBe(1);
  });
});

describe('paperboy digest send', () => {
  const env = () => ({
    DATABASE_URL: bed.database.url,
    SMTP_URL: bed.smtp.url,
    SECRET_KEY: TEST_SECRET_KEY,
    PUBLIC_URL: TEST_PUBLIC_URL,
    LOG_LEVEL: 'silent',
  });

  it('builds, fans out and delivers; a second run sends nothing twice', async () => {
    for (let i = 0; i < 5; i++) await addSubscriber(`r${i}@example.org`);
    await addSubscriber('later@example.org', { delivery_hour: 23, timezone: 'Pacific/Kiritimati' });
    const first = await runCli(['digest', 'send', '--date', '2026-03-11', '--now'], env());
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toContain('this run: 6 fanned out, 6 sent, 0 failed');
    expect(first.stderr).toMatch(/sending: 6\/6/);
    expect(bed.smtp.messages).toHaveLength(6);

    const second = await runCli(['digest', 'send', '--date', '2026-03-11', '--now'], env());
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toContain('this run: 0 fanned out, 0 sent');
    expect(second.stdout).toContain('edition:  6 sent, 0 failed');
    expect(bed.smtp.messages).toHaveLength(6);
  });

  it('without --now sends only what is due, and says when the rest goes', async () => {
    // The edition of yesterday goes out today. Whatever the time of day the test runs at,
    // midnight today at UTC+14 has passed and 23:00 today at UTC-12 has not.
    await addSubscriber('due@example.org', { delivery_hour: 0, timezone: 'Etc/GMT-14' });
    await addSubscriber('future@example.org', { delivery_hour: 23, timezone: 'Etc/GMT+12' });
    const yesterday = addDays(isoDay(new Date()), -1);
    await bed.pool.query(
      `INSERT INTO paper_days (day, arxiv_id, rank, upvotes, num_comments, score) VALUES ($1, '2503.10370', 1, 1, 1, 1)`,
      [yesterday],
    );
    // Until EDITION_MAX_WAIT_HOURS past midnight UTC, yesterday's edition waits for an ingest
    // that started after the day ended; this test is about due hours, so it does not wait.
    const result = await runCli(['digest', 'send', '--date', yesterday], {
      ...env(),
      EDITION_MAX_WAIT_HOURS: '0',
    });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('this run: 2 fanned out, 1 sent');
    expect(result.stdout).toMatch(/1 waiting \(next due \d{4}-\d{2}-\d{2}T11:00:00\.000Z\)/);
    expect(bed.smtp.messages.map((m) => (m.to as { text: string }).text)).toEqual(['due@example.org']);
  });

  it('exits non-zero when a delivery fails permanently', async () => {
    await addSubscriber('nobody@example.org');
    bed.smtp.rejectRecipients.add('nobody@example.org');
    const result = await runCli(['digest', 'send', '--date', '2026-03-11', '--now'], env());
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('1 failed');
  });

  it('says why an empty edition sends nothing', async () => {
    await addSubscriber('a@example.org');
    const result = await runCli(['digest', 'send', '--date', '2026-03-14', '--now'], env());
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /empty, nothing to send\. 2026-03-14 is a Saturday: Hugging Face publishes papers on weekdays/,
    );
  });
});

describe('bounce and complaint webhook', () => {
  const post = (body: unknown, secret = WEBHOOK_SECRET) =>
    bed.app.inject({
      method: 'POST',
      url: '/api/webhooks/delivery-events',
      headers: { authorization: `Bearer ${secret}` },
      payload: body as Record<string, unknown>,
    });

  it('suppresses on a hard bounce or a complaint, counts soft bounces, and needs the secret', async () => {
    await addSubscriber('hard@example.org');
    await addSubscriber('angry@example.org');
    await addSubscriber('soft@example.org');
    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    await bed.app.services.sender.drain(daily.id);
    const hard = bed.smtp.messages.find((m) => (m.to as { text: string }).text === 'hard@example.org')!;

    expect((await post({ events: [{ type: 'bounce' }] }, 'wrong-secret')).statusCode).toBe(401);
    const response = await post({
      events: [
        { type: 'bounce', messageId: hard.messageId, reason: '550 mailbox full forever' },
        { type: 'complaint', email: 'ANGRY@example.org' },
        { type: 'bounce', permanent: false, email: 'soft@example.org' },
        { type: 'bounce', email: 'stranger@example.org' },
      ],
    });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ applied: 3, unknown: 1 });
    // the same mail reported again (naming only the address): counted once
    await post({ events: [{ type: 'bounce', permanent: false, email: 'soft@example.org' }] });
    await post({ events: [{ type: 'bounce', permanent: false, email: 'soft@example.org' }] });

    const { rows } = await bed.pool.query(
      `SELECT email, suppression_reason, soft_bounces FROM subscribers
       WHERE suppressed_at IS NOT NULL OR soft_bounces > 0 ORDER BY email`,
    );
    expect(rows).toEqual([
      { email: 'angry@example.org', suppression_reason: 'complaint', soft_bounces: 0 },
      {
        email: 'hard@example.org',
        suppression_reason: 'hard bounce reported: 550 mailbox full forever',
        soft_bounces: 0,
      },
      { email: 'soft@example.org', suppression_reason: null, soft_bounces: 1 },
    ]);
    expect((await post({ events: [] })).statusCode).toBe(400);
  });

  it('counts a soft bounce once per mail, whatever the number of events, and suppresses at the limit', async () => {
    await addSubscriber('soft@example.org');
    for (const day of ['2026-03-10', '2026-03-11', '2026-03-12']) {
      const { edition } = await bed.app.services.editions.build('daily', day);
      await fanOut(bed.pool, edition, { now: true });
      await bed.app.services.sender.drain(edition.id);
    }
    const [first, ...others] = (await bed.smtp.waitForMessages(3)).map((m) => m.messageId as string);
    const soft = (messageId: string) => ({ type: 'bounce', permanent: false, messageId });
    const softBounces = async () =>
      (await bed.pool.query(`SELECT soft_bounces, suppression_reason FROM subscribers`)).rows[0];
    // the audit's reproduction: three reports of one mail
    await post({ events: [soft(first as string), soft(first as string)] });
    await post({ events: [soft(first as string)] });
    expect(await softBounces()).toEqual({ soft_bounces: 1, suppression_reason: null });
    await post({ events: others.map(soft) });
    expect(await softBounces()).toEqual({
      soft_bounces: 3,
      suppression_reason: expect.stringMatching(/^soft bounces: 3 digests in a row/),
    });
  });
});

describe('suppressions for the operator', () => {
  const admin = (method: 'GET' | 'DELETE', url: string, token = ADMIN_TOKEN) =>
    bed.app.inject({
      method,
      url: `/api/admin/suppressions${url}`,
      headers: { authorization: `Bearer ${token}` },
    });

  it('lists suppressed addresses and lifts one, which is then in the next edition', async () => {
    await addSubscriber('bounced@example.org', {
      suppressed_at: new Date('2026-03-10T08:00:00Z'),
      suppression_reason: 'hard bounce: 550 5.1.1 no such user',
      soft_bounces: 2,
    });
    await addSubscriber('angry@example.org', {
      suppressed_at: new Date('2026-03-11T08:00:00Z'),
      suppression_reason: 'complaint',
    });
    await addSubscriber('fine@example.org');

    expect((await admin('GET', '', 'wrong-token')).statusCode).toBe(401);
    const listed = await admin('GET', '');
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([
      {
        email: 'angry@example.org',
        suppressedAt: '2026-03-11T08:00:00.000Z',
        reason: 'complaint',
        softBounces: 0,
      },
      {
        email: 'bounced@example.org',
        suppressedAt: '2026-03-10T08:00:00.000Z',
        reason: 'hard bounce: 550 5.1.1 no such user',
        softBounces: 2,
      },
    ]);
    expect((await admin('GET', '?limit=1')).json()).toHaveLength(1);
    expect((await admin('GET', '?limit=0')).statusCode).toBe(400);

    const malformed = await admin('DELETE', '/not-an-address');
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json()).toMatchObject({ field: 'email' });
    expect((await admin('DELETE', '/fine@example.org')).statusCode).toBe(404);
    expect((await admin('DELETE', '/nobody@example.org')).statusCode).toBe(404);
    expect((await admin('DELETE', '/BOUNCED@Example.org', 'wrong-token')).statusCode).toBe(401);
    expect((await admin('DELETE', '/BOUNCED@Example.org')).statusCode).toBe(204);
    expect((await admin('GET', '')).json().map((entry: { email: string }) => entry.email)).toEqual([
      'angry@example.org',
    ]);

    const { edition: daily } = await bed.app.services.editions.build('daily', '2026-03-11');
    await fanOut(bed.pool, daily, { now: true });
    const { rows } = await bed.pool.query(
      `SELECT s.email, s.soft_bounces FROM deliveries d JOIN subscribers s ON s.id = d.subscriber_id
       WHERE d.edition_id = $1 ORDER BY s.email`,
      [daily.id],
    );
    expect(rows).toEqual([
      { email: 'bounced@example.org', soft_bounces: 0 },
      { email: 'fine@example.org', soft_bounces: 0 },
    ]);
  });
});

describe('DKIM', () => {
  it('signs List-Unsubscribe-Post along with the usual headers, and oversigns: an added header breaks it', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signed = await buildApp(
      testConfig({
        DATABASE_URL: bed.database.url,
        SMTP_URL: bed.smtp.url,
        DKIM_DOMAIN: 'paperboy.test',
        DKIM_SELECTOR: 'mail',
        DKIM_PRIVATE_KEY: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      }),
    );
    try {
      await addSubscriber('signed@example.org');
      const { edition: daily } = await signed.services.editions.build('daily', '2026-03-11');
      await fanOut(bed.pool, daily, { now: true });
      await signed.services.sender.drain(daily.id);
      const [mail] = await bed.smtp.waitForMessages(1);
      const signature =
        mail!.headerLines.find((h) => h.key === 'dkim-signature')?.line.replace(/\r?\n\s+/g, '') ?? '';
      expect(signature).toMatch(/d=paperboy\.test;/);
      expect(signature).toMatch(/s=mail;/);
      const signedHeaders = /[;\s]h=([^;]+);/.exec(signature)?.[1]?.toLowerCase().split(':') ?? [];
      expect(signedHeaders).toEqual(
        expect.arrayContaining(['list-unsubscribe', 'list-unsubscribe-post', 'list-id', 'from', 'subject']),
      );

      // an independent verifier (mailauth) with the selector's key as DNS would publish it
      const record = `v=DKIM1; k=rsa; p=${publicKey.export({ type: 'spki', format: 'der' }).toString('base64')}`;
      const resolver = async (name: string) => {
        if (name !== 'mail._domainkey.paperboy.test')
          throw Object.assign(new Error('no record'), { code: 'ENOTFOUND' });
        return [[record]];
      };
      const verdict = async (raw: Buffer) =>
        (await dkimVerify(raw, { resolver })).results.map((result) => result.status.result);
      const raw = mail!.raw;
      expect(await verdict(raw)).toEqual(['pass']);
      const added = (header: string) => Buffer.concat([Buffer.from(`${header}\r\n`), raw]);
      // headers added in transit, on top, where a verifier looks first
      for (const header of [
        'List-Unsubscribe: <https://evil.example/unsubscribe>',
        'Reply-To: attacker@evil.example',
        'Subject: Your account is closed',
        'From: Bank <bank@example.org>',
        'List-Id: <fake.evil.example>',
        // the audit's list: a prepended copy of these still verified
        'To: everyone@example.org',
        'Cc: everyone@example.org',
        'Date: Mon, 1 Jan 2024 00:00:00 +0000',
        'Message-ID: <forged@evil.example>',
        'Content-Type: text/plain; charset=utf-8',
        'MIME-Version: 1.0',
        'Sender: bank@example.org',
        'List-Archive: <https://evil.example/archive>',
        // and every other header the signature covers
        ...SIGNED.map((name) => `${name}: added on the way`),
      ])
        expect(await verdict(added(header)), header).toEqual(['fail']);
    } finally {
      await signed.close();
    }
  });
});
