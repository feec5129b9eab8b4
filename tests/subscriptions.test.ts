import type { ParsedMail } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { TEST_PUBLIC_URL } from './helpers/app.ts';
import { ingestFixtures } from './helpers/digest-fixtures.ts';
import { subscriberById } from './helpers/subscribers.ts';
import { useTestBed } from './helpers/test-bed.ts';

const bed = useTestBed({ smtp: true, truncate: ['subscribers'] });

const subscribe = (body: object) =>
  bed.app.inject({ method: 'POST', url: '/api/subscriptions', payload: body as Record<string, unknown> });

async function counts() {
  const { rows } = await bed.pool.query<{ subscribers: number; deliveries: number }>(
    'SELECT (SELECT count(*) FROM subscribers)::int AS subscribers, (SELECT count(*) FROM deliveries)::int AS deliveries',
  );
  return rows[0];
}

async function subscriber(email: string) {
  const { rows } = await bed.pool.query('SELECT * FROM subscribers WHERE lower(email) = lower($1)', [email]);
  return rows[0];
}

/** The worker's part, run once: sends what the ledger holds. */
async function sendQueuedMail() {
  return bed.app.services.sender.drain();
}

function linkIn(mail: ParsedMail, kind: string): string {
  const match = new RegExp(`href="${TEST_PUBLIC_URL}(/${kind}/[^"]+)"`).exec(String(mail.html));
  if (!match?.[1]) throw new Error(`no ${kind} link in ${mail.subject}`);
  return match[1];
}

describe('the whole path', () => {
  it('subscribe → confirmation over SMTP → link followed → active → one-click → unsubscribed', async () => {
    const response = await subscribe({
      email: '  Ann.Lee@Example.ORG ',
      keywords: ['diffusion', 'LoRA'],
      frequency: 'weekly',
    });
    expect(response.statusCode).toBe(202);
    expect(await subscriber('ann.lee@example.org')).toMatchObject({
      email: 'Ann.Lee@example.org',
      status: 'pending',
      frequency: 'weekly',
      keywords: ['diffusion', 'LoRA'],
    });
    // the request itself sent nothing: the confirmation waits in the ledger
    expect(bed.smtp.messages).toHaveLength(0);

    expect(await sendQueuedMail()).toMatchObject({ sent: 1 });
    const [mail] = await bed.smtp.waitForMessages(1);
    expect(mail?.to).toMatchObject({ text: 'Ann.Lee@example.org' });
    expect(mail?.subject).toBe('Confirm your Paperboy subscription');
    expect(mail?.text).toContain('/confirm/');
    expect(mail?.messageId).toMatch(/^<delivery-\d+\.confirmation@paperboy\.test>$/);

    const confirmPath = linkIn(mail as ParsedMail, 'confirm');
    const confirmed = await bed.app.inject({ method: 'POST', url: confirmPath });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('You are subscribed');
    // Ann chose keywords under "Customise": they are not offered again as still to do, her
    // preferences are a link away (tests/stumbles.test.ts has a reader who chose nothing)
    expect(confirmed.body).not.toContain('Make it yours');
    expect(confirmed.body).toMatch(/<a href="[^"]*\/preferences\/[^"]+">Change your preferences<\/a>/);
    expect(await subscriber('ann.lee@example.org')).toMatchObject({ status: 'active' });

    // following the link again is harmless
    const again = await bed.app.inject({ method: 'POST', url: confirmPath });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('already subscribed');

    const id = (await subscriber('ann.lee@example.org')).id;
    const unsubscribePath = `/unsubscribe/${bed.app.services.tokens.create('unsubscribe', (await subscriberById(bed.pool, id))!)}`;
    const postOneClick = () =>
      bed.app.inject({
        method: 'POST',
        url: unsubscribePath,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: 'List-Unsubscribe=One-Click',
      });
    const oneClick = await postOneClick();
    expect(oneClick.statusCode).toBe(200);
    expect(oneClick.headers.location).toBeUndefined();
    expect(await subscriber('ann.lee@example.org')).toMatchObject({ status: 'unsubscribed' });

    // idempotent
    expect((await postOneClick()).statusCode).toBe(200);

    // the old confirmation link cannot bring the subscription back
    const stale = await bed.app.inject({ method: 'GET', url: confirmPath });
    expect(stale.statusCode).toBe(404);
    expect(await subscriber('ann.lee@example.org')).toMatchObject({ status: 'unsubscribed' });
  });

  it('lets an unsubscribed address subscribe again, through a new confirmation', async () => {
    await subscribe({ email: 'back@example.org' });
    await sendQueuedMail();
    await bed.app.inject({
      method: 'POST',
      url: linkIn((await bed.smtp.waitForMessages(1))[0] as ParsedMail, 'confirm'),
    });
    const row = await subscriber('back@example.org');
    await bed.app.services.subscribers.unsubscribe(
      bed.app.services.tokens.create('unsubscribe', (await subscriberById(bed.pool, row.id))!),
    );
    // outside the 10-minute window of the first confirmation
    await bed.pool.query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '11 minutes'`);

    expect((await subscribe({ email: 'back@example.org', maxPapers: 5 })).statusCode).toBe(202);
    // the new choice waits for its link
    expect(await subscriber('back@example.org')).toMatchObject({ status: 'pending', max_papers: 10 });
    await sendQueuedMail();
    const [, second] = await bed.smtp.waitForMessages(2);
    const confirmed = await bed.app.inject({ method: 'POST', url: linkIn(second as ParsedMail, 'confirm') });
    expect(confirmed.statusCode).toBe(200);
    expect(await subscriber('back@example.org')).toMatchObject({ status: 'active', max_papers: 5 });
  });
});

describe('no enumeration', () => {
  it('answers new, pending, active and unsubscribed addresses identically', async () => {
    const first = await subscribe({ email: 'known@example.org' });
    const pending = await subscribe({ email: 'known@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'active'`);
    const active = await subscribe({ email: 'KNOWN@example.org' });
    await bed.pool.query(`UPDATE subscribers SET status = 'unsubscribed'`);
    const unsubscribed = await subscribe({ email: 'known@example.org' });
    const fresh = await subscribe({ email: 'stranger@example.org' });
    for (const response of [pending, active, unsubscribed, fresh]) {
      expect(response.statusCode).toBe(first.statusCode);
      expect(response.body).toBe(first.body);
      expect(response.headers['content-type']).toBe(first.headers['content-type']);
    }
    expect(first.statusCode).toBe(202);
  });

  it('holds an active subscriber’s new preferences until the confirmation link is followed', async () => {
    await subscribe({ email: 'held@example.org', maxPapers: 3 });
    await bed.pool.query(
      `UPDATE subscribers SET status = 'active', confirmation_sent_at = now() - interval '1 hour'`,
    );
    await subscribe({
      email: 'held@example.org',
      maxPapers: 40,
      keywords: 'agents, robotics',
      mutedKeywords: ['survey'],
      personalisation: 30,
    });
    expect(await subscriber('held@example.org')).toMatchObject({
      max_papers: 3,
      status: 'active',
      muted_keywords: [],
      personalisation: 75,
    });

    await sendQueuedMail();
    const mails = await bed.smtp.waitForMessages(2);
    const change = mails.find((m) => m.text?.includes('up to 40 papers')) as ParsedMail;
    expect(change.subject).toContain('change');
    const page = await bed.app.inject({ method: 'POST', url: linkIn(change, 'confirm') });
    expect(page.body).toContain('updated');
    expect(await subscriber('held@example.org')).toMatchObject({
      max_papers: 40,
      keywords: ['agents', 'robotics'],
      muted_keywords: ['survey'],
      personalisation: 30,
    });
  });
});

describe('confirmation links apply their own request, once', () => {
  /** Sends what is queued and returns the confirm link of the mail whose text has `marker`. */
  async function confirmLinkFor(marker: string, expectedMails: number): Promise<string> {
    await sendQueuedMail();
    const mails = await bed.smtp.waitForMessages(expectedMails);
    const mail = mails.find((m) => m.text?.includes(marker));
    if (!mail) throw new Error(`no mail with ${marker}`);
    return linkIn(mail, 'confirm');
  }
  const allowNextConfirmation = () =>
    bed.pool.query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '11 minutes'`);

  it('does not apply a stranger’s later change when a used link is followed again', async () => {
    await subscribe({ email: 'owner@example.org', maxPapers: 7 });
    const original = await confirmLinkFor('up to 7 papers', 1);
    expect((await bed.app.inject({ method: 'POST', url: original })).body).toContain('You are subscribed');

    // a stranger asks to change the digest to "only" a keyword that matches nothing
    await allowNextConfirmation();
    await subscribe({ email: 'owner@example.org', keywordMode: 'only', keywords: 'zzzqqq', maxPapers: 1 });
    // the original link again (a re-click, a link scanner): nothing changes
    const again = await bed.app.inject({ method: 'GET', url: original });
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('already subscribed');
    expect(await subscriber('owner@example.org')).toMatchObject({
      status: 'active',
      max_papers: 7,
      keyword_mode: 'boost',
      keywords: [],
    });
  });

  it('keeps a pending address’s choice from being replaced by a second unconfirmed request', async () => {
    await subscribe({ email: 'pending@example.org', maxPapers: 12 });
    await allowNextConfirmation();
    await subscribe({ email: 'pending@example.org', maxPapers: 3 });
    expect(await subscriber('pending@example.org')).toMatchObject({ status: 'pending', max_papers: 12 });
    const first = await confirmLinkFor('up to 12 papers', 2);
    expect((await bed.app.inject({ method: 'POST', url: first })).statusCode).toBe(200);
    expect(await subscriber('pending@example.org')).toMatchObject({ status: 'active', max_papers: 12 });
  });

  it('puts nothing typed into the form into mail to an address that has not confirmed', async () => {
    await subscribe({ email: 'victim@example.org', keywords: ['diffusion', 'robot arms'] });
    await sendQueuedMail();
    const [mail] = await bed.smtp.waitForMessages(1);
    for (const part of [mail?.text, String(mail?.html), mail?.subject]) {
      expect(part).not.toContain('diffusion');
      expect(part).not.toContain('robot arms');
    }
    expect(mail?.text).toContain('your 2 keywords');
  });

  it.each([
    ['a sentence', 'URGENT: your mailbox closes today'],
    ['a link', 'log in at https://evil.example'],
    ['a domain', 'visit evil.example'],
    ['five words', 'one two three four five'],
  ])('refuses %s as a keyword, naming keywords, storing nothing', async (_what, keyword) => {
    const response = await subscribe({ email: 'k@example.org', keywords: [keyword] });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ field: 'keywords' });
    expect(await counts()).toEqual({ subscribers: 0, deliveries: 0 });
  });
});

describe('invalid input', () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    ['missing email', {}, 'email'],
    ['email without @', { email: 'ann.example.org' }, 'email'],
    ['email without domain', { email: 'ann@' }, 'email'],
    ['email with single-label domain', { email: 'ann@localhost' }, 'email'],
    ['display name', { email: 'Ann <ann@example.org>' }, 'email'],
    ['CR/LF injection', { email: 'ann@example.org\r\nBcc: all@example.org' }, 'email'],
    ['control character', { email: 'ann\u0007@example.org' }, 'email'],
    [
      'too long',
      { email: `${'a'.repeat(60)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(63)}.org` },
      'email',
    ],
    ['local part too long', { email: `${'a'.repeat(65)}@example.org` }, 'email'],
    ['frequency', { email: 'ok@example.org', frequency: 'hourly' }, 'frequency'],
    ['weekday', { email: 'ok@example.org', weekday: 8 }, 'weekday'],
    ['keywordMode', { email: 'ok@example.org', keywordMode: 'exclude' }, 'keywordMode'],
    ['timezone', { email: 'ok@example.org', timezone: 'Mars/Olympus_Mons' }, 'timezone'],
    ['timezone abbreviation', { email: 'ok@example.org', timezone: 'EST' }, 'timezone'],
    ['deliveryHour too high', { email: 'ok@example.org', deliveryHour: 24 }, 'deliveryHour'],
    ['deliveryHour not a number', { email: 'ok@example.org', deliveryHour: 'seven' }, 'deliveryHour'],
    ['maxPapers zero', { email: 'ok@example.org', maxPapers: 0 }, 'maxPapers'],
    ['maxPapers too many', { email: 'ok@example.org', maxPapers: 51 }, 'maxPapers'],
    [
      'too many keywords',
      { email: 'ok@example.org', keywords: Array.from({ length: 21 }, (_, i) => `k${i}`) },
      'keywords',
    ],
    ['empty keyword', { email: 'ok@example.org', keywords: ['ok', ''] }, 'keywords'],
    ['keyword too long', { email: 'ok@example.org', keywords: ['x'.repeat(65)] }, 'keywords'],
  ];

  it.each(cases)('%s → 400 naming %s, nothing stored', async (_name, body, field) => {
    const response = await subscribe(body);
    expect(response.statusCode).toBe(400);
    const error = response.json();
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
    expect(await counts()).toEqual({ subscribers: 0, deliveries: 0 });
  });

  it('leaves a stored subscriber untouched when a later request is invalid', async () => {
    await subscribe({ email: 'keep@example.org', maxPapers: 7 });
    const before = await subscriber('keep@example.org');
    expect((await subscribe({ email: 'keep@example.org', maxPapers: 99 })).statusCode).toBe(400);
    expect(await subscriber('keep@example.org')).toEqual(before);
    expect(await counts()).toEqual({ subscribers: 1, deliveries: 1 });
  });

  it('accepts the defaults and the documented values', async () => {
    const response = await subscribe({ email: 'defaults@example.org' });
    expect(response.statusCode).toBe(202);
    expect(await subscriber('defaults@example.org')).toMatchObject({
      frequency: 'daily',
      weekday: 1,
      keywords: [],
      keyword_mode: 'boost',
      timezone: 'UTC',
      delivery_hour: 7,
      max_papers: 10,
    });
    const full = await subscribe({
      email: 'full@example.org',
      frequency: 'weekly',
      weekday: 'friday',
      keywords: ['x'.repeat(64)],
      keywordMode: 'only',
      timezone: 'America/New_York',
      deliveryHour: 23,
      maxPapers: 50,
    });
    expect(full.statusCode).toBe(202);
    expect(await subscriber('full@example.org')).toMatchObject({
      weekday: 5,
      keyword_mode: 'only',
      delivery_hour: 23,
    });
  });
});

describe('form posts', () => {
  it('accepts a browser form and answers with a page', async () => {
    const response = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload:
        'email=form%40example.org&frequency=weekly&weekday=3&deliveryHour=9&maxPapers=12&keywords=agents%2C+robotics&keywordMode=only&timezone=Europe%2FParis',
    });
    // post/redirect/get: reloading the page the browser lands on posts nothing again
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe('/subscribed');
    const next = await bed.app.inject({
      method: 'GET',
      url: '/subscribed',
      headers: { accept: 'text/html' },
    });
    expect(next.statusCode).toBe(200);
    expect(next.body).toContain('Check your inbox');
    expect(await subscriber('form@example.org')).toMatchObject({
      frequency: 'weekly',
      weekday: 3,
      delivery_hour: 9,
      max_papers: 12,
      keywords: ['agents', 'robotics'],
      keyword_mode: 'only',
      timezone: 'Europe/Paris',
    });
  });

  it('shows a bad form field on a page, naming it', async () => {
    const response = await bed.app.inject({
      method: 'POST',
      url: '/api/subscriptions',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
      payload: 'email=nope',
    });
    expect(response.statusCode).toBe(400);
    // the message stands beside the field, in words, not under the API's field name
    expect(response.body).toMatch(/<p id="form-error" class="pb-error" role="alert">[A-Z]/);
    expect(response.body).not.toContain('role="alert">email:');
    expect(await counts()).toEqual({ subscribers: 0, deliveries: 0 });
  });

  it('shows the form again with what was typed, the message beside the field at fault', async () => {
    const post = (payload: string) =>
      bed.app.inject({
        method: 'POST',
        url: '/api/subscriptions',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
        payload,
      });
    const badEmail = await post('email=nope&frequency=weekly&maxPapers=12&keywords=agents');
    expect(badEmail.statusCode).toBe(400);
    // the message stands right under the field at fault
    expect(badEmail.body).toMatch(
      /name="email"[^>]*>\s*<p id="form-error" class="pb-error" role="alert">[A-Z]/,
    );
    expect(badEmail.body).toMatch(/name="email"[^>]*value="nope"[^>]*aria-invalid="true"/);
    expect(badEmail.body).toMatch(/<input id="maxPapers"[^>]*value="12"/);
    expect(badEmail.body).toContain('value="agents"');
    const badKeywords = await post('email=ok%40example.org&keywords=visit+evil.example');
    expect(badKeywords.statusCode).toBe(400);
    expect(badKeywords.body).toContain('<details open>');
    expect(badKeywords.body).toMatch(/value="visit evil.example"[^>]*aria-invalid="true"/);
    expect(badKeywords.body).toContain('value="ok@example.org"');
    expect(await counts()).toEqual({ subscribers: 0, deliveries: 0 });
  });

  it('serves the home page with the form', async () => {
    const response = await bed.app.inject({ method: 'GET', url: '/' });
    expect(response.statusCode).toBe(200);
    // the form posts to the home page itself, so a page answering a bad field stays at "/"
    expect(response.body).toContain('<form method="post" action="/">');
    expect(response.body).toContain('name="email"');
    // the details are behind "Customise"; the feed is discoverable
    expect(response.body).toMatch(/<details><summary>Customise/);
    expect(response.body).toContain('rel="alternate" type="application/atom+xml"');
    expect(response.body).toContain('rel="icon"');
  });

  it('shows the latest digest on the home page', async () => {
    await ingestFixtures(bed.pool);
    await bed.app.services.editions.build('daily', '2026-03-11');
    const response = await bed.app.inject({ method: 'GET', url: '/' });
    expect(response.body).toContain('The latest digest');
    expect(response.body).toContain('href="/digests/2026-03-11"');
    await bed.pool.query('TRUNCATE editions CASCADE');
  });
});

describe('throttle', () => {
  it('sends at most one confirmation per address every 10 minutes', async () => {
    for (let i = 0; i < 5; i++) expect((await subscribe({ email: 'bomb@example.org' })).statusCode).toBe(202);
    await subscribe({ email: 'BOMB@example.org' });
    expect(await counts()).toEqual({ subscribers: 1, deliveries: 1 });

    await bed.pool.query(`UPDATE subscribers SET confirmation_sent_at = now() - interval '9 minutes'`);
    await subscribe({ email: 'bomb@example.org' });
    expect(await counts()).toEqual({ subscribers: 1, deliveries: 1 });

    await bed.pool.query(
      `UPDATE subscribers SET confirmation_sent_at = now() - interval '10 minutes 1 second'`,
    );
    await subscribe({ email: 'bomb@example.org' });
    expect(await counts()).toEqual({ subscribers: 1, deliveries: 2 });

    await sendQueuedMail();
    await bed.smtp.waitForMessages(2);
    expect(bed.smtp.messages.every((m) => m.subject === 'Confirm your Paperboy subscription')).toBe(true);
  });

  it('lets concurrent requests for one new address create one subscriber and one confirmation', async () => {
    const responses = await Promise.all(
      Array.from({ length: 8 }, () => subscribe({ email: 'race@example.org' })),
    );
    expect(responses.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
    expect(await counts()).toEqual({ subscribers: 1, deliveries: 1 });
  });
});
