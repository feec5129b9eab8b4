import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { selectPapers } from '../src/digest/personalise.ts';
import { feedbackOf, followAuthor } from '../src/subscribers/store.ts';
import { launchChromium } from './helpers/browser.ts';
import { useTestBed } from './helpers/test-bed.ts';

// A reader's own Atom feed: their ranked editions, each paper with why it is there, at a private
// address offered on their preferences page and revoked with their other links.

const bed = useTestBed({ fixtures: true });
let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => browser?.close());

const path = (url: string) => new URL(url).pathname;

async function activeReader(email: string) {
  await bed.app.services.subscribers.subscribe({ email });
  await bed.pool.query(`UPDATE subscribers SET status = 'active', confirmed_at = now() WHERE email = $1`, [
    email,
  ]);
  const reader = await bed.app.services.subscribers.findByEmail(email);
  if (!reader) throw new Error('no reader');
  return reader;
}

/** The feed parsed by Chromium's XML parser: well-formed or not, its entries, each paper and why. */
async function parseFeed(xml: string) {
  const page = await browser.newPage();
  try {
    return await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'application/xml');
      const xhtml = 'http://www.w3.org/1999/xhtml';
      return {
        error: doc.querySelector('parsererror')?.textContent ?? null,
        entries: Array.from(doc.getElementsByTagName('entry')).map((entry) => ({
          title: entry.getElementsByTagName('title')[0]?.textContent,
          papers: Array.from(entry.getElementsByTagNameNS(xhtml, 'li')).map((li) => ({
            title: li.getElementsByTagNameNS(xhtml, 'a')[0]?.textContent,
            why: li.getElementsByTagNameNS(xhtml, 'em')[0]?.textContent,
          })),
        })),
      };
    }, xml);
  } finally {
    await page.close();
  }
}

it('lists the reader’s own editions in their order, each paper saying why it is there', {
  timeout: 60_000,
}, async () => {
  const { editions, links } = bed.app.services;
  await editions.build('daily', '2026-03-10');
  const { edition } = await editions.build('daily', '2026-03-11');
  await editions.build('weekly', '2026-03-09');
  const reader = await activeReader('feed-reader@example.org');
  // the reader follows an author of a paper far down the trending list: it comes first, saying so
  const followed = edition.papers[edition.papers.length - 1];
  const author = followed?.authors[0]?.name as string;
  await followAuthor(bed.pool, { subscriberId: reader.id, author });

  const preferences = await bed.app.inject({ method: 'GET', url: path(links.url('preferences', reader)) });
  const feedUrl = /id="feed-url" type="url" readonly value="([^"]+)"/.exec(preferences.body)?.[1] ?? '';
  expect(feedUrl).toBe(links.url('feed', reader));

  const feed = await bed.app.inject({ method: 'GET', url: path(feedUrl) });
  expect(feed.statusCode).toBe(200);
  expect(feed.headers['content-type']).toContain('application/atom+xml');
  // a token page: kept by no cache on the way (the reader's feed client asks again)
  expect(feed.headers['cache-control']).toBe('no-store');
  const parsed = await parseFeed(feed.body);
  expect(parsed.error).toBeNull();
  // their frequency only: the two daily editions, newest first, not the weekly one
  expect(parsed.entries.map((e) => e.title)).toEqual([
    'Trending papers of Wednesday, 11 March 2026',
    'Trending papers of Tuesday, 10 March 2026',
  ]);
  const first = parsed.entries[0]?.papers ?? [];
  const mail = selectPapers(
    edition,
    reader.preferences,
    await feedbackOf(bed.pool, { subscriberId: reader.id }),
  );
  // the same order as their mail
  expect(first.map((p) => p.title)).toEqual(mail.map((s) => s.paper.title));
  expect(first[0]).toEqual({ title: followed?.title, why: `Why it is here: by ${author}, whom you follow.` });
  expect(first[1]?.why).toBe('Why it is here: trending.');
});

it('answers only its own token, while the reader is active, and stops with their other links', async () => {
  const { links } = bed.app.services;
  const reader = await activeReader('revoked@example.org');
  const feedPath = path(links.url('feed', reader));
  expect((await bed.app.inject({ method: 'GET', url: feedPath })).statusCode).toBe(200);
  // a preferences token is not a feed token, nor the other way round
  const preferencesToken = path(links.url('preferences', reader)).split('/').pop();
  expect((await bed.app.inject({ method: 'GET', url: `/feeds/${preferencesToken}` })).statusCode).toBe(404);
  expect(
    (await bed.app.inject({ method: 'GET', url: `/preferences/${feedPath.split('/').pop()}` })).statusCode,
  ).toBe(404);

  await bed.pool.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [reader.id]);
  expect((await bed.app.inject({ method: 'GET', url: feedPath })).statusCode).toBe(404);
  await bed.pool.query(`UPDATE subscribers SET status = 'active' WHERE id = $1`, [reader.id]);
  expect((await bed.app.inject({ method: 'GET', url: feedPath })).statusCode).toBe(200);
  // a new link nonce revokes every link of the reader's mail, the feed with them
  await bed.pool.query('UPDATE subscribers SET link_nonce = gen_random_uuid() WHERE id = $1', [reader.id]);
  expect((await bed.app.inject({ method: 'GET', url: feedPath })).statusCode).toBe(404);
});
