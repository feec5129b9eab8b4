import { describe, expect, it } from 'vitest';
import type { Edition, EditionPaper } from '../src/digest/editions.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { feedbackOf } from '../src/subscribers/store.ts';
import type { Subscriber } from '../src/subscribers/subscriber.ts';
import { TEST_PUBLIC_URL } from './helpers/app.ts';
import { subscriberById } from './helpers/subscribers.ts';
import { useTestBed } from './helpers/test-bed.ts';

// "More like this", "Less like this" and follows: from the link in the mail to the next digest.

const bed = useTestBed({ smtp: true, fixtures: true, truncate: ['subscribers'] });

async function reader(email: string): Promise<Subscriber> {
  const { rows } = await bed.pool.query<{ id: string }>(
    `INSERT INTO subscribers (email, status, confirmed_at) VALUES ($1, 'active', now()) RETURNING id`,
    [email],
  );
  return (await subscriberById(bed.pool, (rows[0] as { id: string }).id)) as Subscriber;
}

const path = (url: string) => url.slice(TEST_PUBLIC_URL.length);

async function edition(day: string): Promise<Edition> {
  return (await bed.app.services.editions.build('daily', day)).edition;
}

/** A paper that reads like `original`: the same words in another order, under a new id. */
function nearDuplicate(original: EditionPaper, arxivId: string, score: number): EditionPaper {
  return {
    ...original,
    arxivId,
    title: `${original.title} (extended version)`,
    abstract: original.abstract.split('. ').reverse().join('. '),
    score,
    authors: [{ name: 'Someone Else', hidden: false }],
  };
}

describe('the links under each paper', () => {
  it('carry More like this, Less like this and why the paper is there, for this reader and paper', async () => {
    const ann = await reader('ann@example.org');
    const day = await edition('2026-03-11');
    const links = bed.app.services.links.forDigest(ann);
    const { renderPersonalDigest } = await import('../src/digest/personal-digest.ts');
    const mail = await renderPersonalDigest({
      edition: day,
      preferences: DEFAULT_PREFERENCES,
      recipient: { email: ann.email, ...links },
      renderer: bed.app.services.renderer,
    });
    for (const paper of day.papers.slice(0, 10)) {
      expect(mail?.html).toContain(`href="${links.feedbackUrl('more', paper.arxivId)}"`);
      expect(mail?.html).toContain(`href="${links.feedbackUrl('less', paper.arxivId)}"`);
    }
    expect(mail?.text).toContain('Why: trending');
    expect(mail?.html).not.toMatch(/PAPERBOY_SLOT/);
  });

  it('refuse tampered, wrong-purpose, other-paper and foreign tokens, and change nothing', async () => {
    const ann = await reader('ann@example.org');
    const bob = await reader('bob@example.org');
    const [first, second] = (await edition('2026-03-11')).papers as [EditionPaper, EditionPaper];
    const more = path(bed.app.services.links.feedbackUrl('more', ann, first.arxivId));
    const [, , token] = more.split('/') as [string, string, string, string];
    const tampered = more.replace(token, `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`);
    const wrongPurpose = more.replace('/more-like-this/', '/less-like-this/');
    const otherPaper = more.replace(first.arxivId, second.arxivId);
    const bobsToken = path(bed.app.services.links.feedbackUrl('more', bob, first.arxivId));
    const preferencesToken = bed.app.services.tokens.create('preferences', ann);
    for (const url of [
      tampered,
      wrongPurpose,
      otherPaper,
      `/more-like-this/${preferencesToken}/${first.arxivId}`,
    ]) {
      expect((await bed.app.inject({ method: 'GET', url })).statusCode, url).toBe(404);
      expect((await bed.app.inject({ method: 'POST', url })).statusCode, url).toBe(404);
    }
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).signals).toEqual([]);
    // bob's link acts for bob, never for ann
    await bed.app.inject({ method: 'POST', url: bobsToken });
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).signals).toEqual([]);
    expect((await feedbackOf(bed.pool, { subscriberId: bob.id })).signals.map((s) => s.arxivId)).toEqual([
      first.arxivId,
    ]);
  });

  it('records nothing on GET, once on POST however often, and undoes', async () => {
    const ann = await reader('ann@example.org');
    const [paper] = (await edition('2026-03-11')).papers as [EditionPaper];
    const less = path(bed.app.services.links.feedbackUrl('less', ann, paper.arxivId));
    const shown = await bed.app.inject({ method: 'GET', url: less });
    expect(shown.statusCode).toBe(200);
    expect(shown.body).toContain('Papers like this one will rank lower');
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).signals).toEqual([]);
    expect((await subscriberById(bed.pool, ann.id))?.learnedAt).toBeNull();

    for (let i = 0; i < 3; i++)
      expect((await bed.app.inject({ method: 'POST', url: less })).statusCode).toBe(200);
    const { rows } = await bed.pool.query('SELECT signal FROM reader_signals WHERE subscriber_id = $1', [
      ann.id,
    ]);
    expect(rows).toEqual([{ signal: -1 }]);
    expect((await subscriberById(bed.pool, ann.id))?.learnedAt).toBeInstanceOf(Date);

    const undone = await bed.app.inject({ method: 'POST', url: `${less}/undo` });
    expect(undone.body).toContain('Undone');
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).signals).toEqual([]);
  });

  it('follows an author of the paper, and nobody else', async () => {
    const ann = await reader('ann@example.org');
    const [paper] = (await edition('2026-03-11')).papers as [EditionPaper];
    const more = path(bed.app.services.links.feedbackUrl('more', ann, paper.arxivId));
    const author = (paper.authors[0] as { name: string }).name;
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    const followed = await bed.app.inject({
      method: 'POST',
      url: `${more}/follow`,
      headers: form,
      payload: new URLSearchParams({ author }).toString(),
    });
    expect(followed.statusCode).toBe(200);
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).follows).toEqual([author]);
    const stranger = await bed.app.inject({
      method: 'POST',
      url: `${more}/follow`,
      headers: form,
      payload: 'author=Not+An+Author',
    });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json()).toMatchObject({
      field: 'author',
      message: 'author: not an author of this paper',
    });
    const strangerInBrowser = await bed.app.inject({
      method: 'POST',
      url: `${more}/follow`,
      headers: { ...form, accept: 'text/html' },
      payload: 'author=Not+An+Author',
    });
    expect(strangerInBrowser.statusCode).toBe(400);
    expect(strangerInBrowser.headers['content-type']).toMatch(/^text\/html/);
    expect(strangerInBrowser.body).toContain('author: not an author of this paper');
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).follows).toEqual([author]);
  });
});

describe('the ranking it learns', () => {
  it('keeps the trending order when nothing is learned', async () => {
    const day = await edition('2026-03-11');
    const selection = selectPapers(
      day,
      { ...DEFAULT_PREFERENCES, maxPapers: 50 },
      { signals: [], follows: [] },
    );
    expect(selection.map((s) => s.paper.arxivId)).toEqual(day.papers.map((p) => p.arxivId));
    expect(new Set(selection.map((s) => s.reason.kind))).toEqual(new Set(['trending']));
  });

  it('ranks a near-duplicate of a paper the reader liked higher, of one they disliked lower, for them only', async () => {
    const ann = await reader('ann@example.org');
    const bob = await reader('bob@example.org');
    const earlier = await edition('2026-03-10');
    const liked = earlier.papers[3] as EditionPaper;
    const disliked = earlier.papers[4] as EditionPaper;
    const later = await edition('2026-03-12');
    // a later day with a near-duplicate of each, both in the middle of the trending order
    const middle = (later.papers[Math.floor(later.papers.length / 2)] as EditionPaper).score;
    const day: Edition = {
      ...later,
      id: undefined,
      papers: [
        ...later.papers,
        nearDuplicate(liked, '2603.99901', middle),
        nearDuplicate(disliked, '2603.99902', middle),
      ].sort((a, b) => b.score - a.score),
    };
    const rankOf = (selection: ReturnType<typeof selectPapers>, id: string) =>
      selection.findIndex((s) => s.paper.arxivId === id);
    const everything = { ...DEFAULT_PREFERENCES, maxPapers: 50 };
    const before = selectPapers(day, everything);

    const likeUrl = path(bed.app.services.links.feedbackUrl('more', ann, liked.arxivId));
    const dislikeUrl = path(bed.app.services.links.feedbackUrl('less', ann, disliked.arxivId));
    await bed.app.inject({ method: 'POST', url: likeUrl });
    await bed.app.inject({ method: 'POST', url: dislikeUrl });
    const anns = selectPapers(day, everything, await feedbackOf(bed.pool, { subscriberId: ann.id }));
    const bobs = selectPapers(day, everything, await feedbackOf(bed.pool, { subscriberId: bob.id }));

    expect(rankOf(anns, '2603.99901')).toBeLessThan(rankOf(before, '2603.99901'));
    expect(rankOf(anns, '2603.99902')).toBeGreaterThan(rankOf(before, '2603.99902'));
    expect(anns[rankOf(anns, '2603.99901')]?.reason).toEqual({ kind: 'like', title: liked.title });
    expect(bobs.map((s) => s.paper.arxivId)).toEqual(before.map((s) => s.paper.arxivId));
  });

  it("puts a followed author's paper in the digest, first, and says so", async () => {
    const ann = await reader('ann@example.org');
    const day = await edition('2026-03-11');
    const last = day.papers.at(-1) as EditionPaper;
    // an author of this paper only, so that it is the one paper their follow brings
    const author = last.authors.find(
      (a) => !day.papers.some((p) => p !== last && p.authors.some((other) => other.name === a.name)),
    )?.name as string;
    const url = path(bed.app.services.links.feedbackUrl('more', ann, last.arxivId));
    await bed.app.inject({
      method: 'POST',
      url: `${url}/follow`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ author }).toString(),
    });
    const selection = selectPapers(
      day,
      { ...DEFAULT_PREFERENCES, maxPapers: 3 },
      await feedbackOf(bed.pool, { subscriberId: ann.id }),
    );
    expect(selection).toHaveLength(3);
    expect(selection[0]?.paper.arxivId).toBe(last.arxivId);
    expect(selection[0]?.reason).toEqual({ kind: 'follow', author });
  });

  it('sends the learned digest through the sender, marked, and lists and forgets what it learned', async () => {
    const ann = await reader('ann@example.org');
    const day = await edition('2026-03-11');
    const last = day.papers.at(-1) as EditionPaper;
    const author = (last.authors[0] as { name: string }).name;
    const more = path(bed.app.services.links.feedbackUrl('more', ann, last.arxivId));
    await bed.app.inject({ method: 'POST', url: more });
    await bed.app.inject({
      method: 'POST',
      url: `${more}/follow`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ author }).toString(),
    });
    const { fanOut } = await import('../src/delivery/fan-out.ts');
    await fanOut(bed.pool, day, { now: true });
    await bed.app.services.sender.drain();
    const [mail] = await bed.smtp.waitForMessages(1);
    expect(mail?.text).toContain(`Why: by ${author}, whom you follow`);

    const preferences = path(bed.app.services.links.url('preferences', ann));
    const page = await bed.app.inject({ method: 'GET', url: preferences });
    expect(page.body).toContain('What Paperboy learned from you');
    expect(page.body).toContain(author);
    const form = { 'content-type': 'application/x-www-form-urlencoded' };
    await bed.app.inject({
      method: 'POST',
      url: `${preferences}/learned/forget`,
      headers: form,
      payload: new URLSearchParams({ author }).toString(),
    });
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).follows).toEqual([]);
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).signals).toHaveLength(1);
    await bed.app.inject({ method: 'POST', url: `${preferences}/learned/reset` });
    expect(await feedbackOf(bed.pool, { subscriberId: ann.id })).toEqual({
      signals: [],
      follows: [],
      organisations: [],
    });
    expect((await subscriberById(bed.pool, ann.id))?.learnedAt).toBeNull();
  });
});

describe('organisations', () => {
  it('are offered on the feedback page, followed, put first and marked, listed and removable', async () => {
    const { ingestDay } = await import('../src/papers/ingest.ts');
    const { FileSource } = await import('../src/papers/sources.ts');
    const { capturingLogger } = await import('./helpers/papers-api.ts');
    const { reasonText } = await import('../src/digest/personalise.ts');
    const real = new URL('./fixtures/hf-real', import.meta.url).pathname;
    await ingestDay(bed.pool, new FileSource(real), '2026-06-10', capturingLogger().log);
    const day = await edition('2026-06-10');
    const last = [...day.papers].reverse().find((p) => p.organization) as EditionPaper;
    const organisation = last.organization as { name: string; fullname: string };
    const without = day.papers.find((p) => !p.organization) as EditionPaper;
    const ann = await reader('ann@example.org');
    const more = path(bed.app.services.links.feedbackUrl('more', ann, last.arxivId));

    const offered = await bed.app.inject({ method: 'GET', url: more });
    expect(offered.body).toContain('Follow its organisation');
    expect(offered.body).toContain(`/follow-organisation`);
    const followed = await bed.app.inject({
      method: 'POST',
      url: `${more}/follow-organisation`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'action=follow',
    });
    expect(followed.statusCode).toBe(200);
    expect(followed.body).toContain('Stop following');
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).organisations).toEqual([organisation]);

    // a paper that names no organisation offers none, and its link cannot follow one
    const none = path(bed.app.services.links.feedbackUrl('more', ann, without.arxivId));
    expect((await bed.app.inject({ method: 'GET', url: none })).body).not.toContain(
      'Follow its organisation',
    );
    const refused = await bed.app.inject({
      method: 'POST',
      url: `${none}/follow-organisation`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'action=follow',
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      field: 'organisation',
      message: 'organisation: this paper names none',
    });

    const selection = selectPapers(
      day,
      { ...DEFAULT_PREFERENCES, maxPapers: 50 },
      await feedbackOf(bed.pool, { subscriberId: ann.id }),
    );
    const theirs = day.papers.filter((p) => p.organization?.name === organisation.name).length;
    expect(selection.slice(0, theirs).every((s) => s.paper.organization?.name === organisation.name)).toBe(
      true,
    );
    expect(reasonText(selection[0]?.reason ?? { kind: 'trending' })).toBe(
      `from ${organisation.fullname}, which you follow`,
    );

    const preferences = path(bed.app.services.links.url('preferences', ann));
    const listed = await bed.app.inject({ method: 'GET', url: preferences });
    expect(listed.body).toContain('Organisations you follow');
    const removed = await bed.app.inject({
      method: 'POST',
      url: `${preferences}/learned/forget-organisation`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ organisation: organisation.name }).toString(),
    });
    expect(removed.statusCode).toBe(200);
    expect((await feedbackOf(bed.pool, { subscriberId: ann.id })).organisations).toEqual([]);
  });
});
