/// <reference lib="dom" />
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { renderPersonalDigest } from '../src/digest/personal-digest.ts';
import { selectPapers } from '../src/digest/personalise.ts';
import { DEFAULT_PREFERENCES } from '../src/subscribers/preferences.ts';
import { TEST_PUBLIC_URL } from './helpers/app.ts';
import { dailyDigest } from './helpers/digest-fixtures.ts';
import { useTestBed } from './helpers/test-bed.ts';

// Rendered digests in a real browser (Debian's Chromium): structure checks, and screenshots at
// phone and desktop widths in light and dark mode, kept in test-artifacts/ to be looked at.

const ARTIFACTS = path.resolve(import.meta.dirname, '../test-artifacts');
const CHROMIUM = '/usr/bin/chromium';

const bed = useTestBed({ fixtures: true });
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  mkdirSync(ARTIFACTS, { recursive: true });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
});

const recipient = {
  email: 'reader@example.org',
  preferencesUrl: `${TEST_PUBLIC_URL}/preferences/t`,
  unsubscribeUrl: `${TEST_PUBLIC_URL}/unsubscribe/t`,
};

it('renders the 2026-03-11 digest with and without keywords, readable at 375 and 800 px, light and dark', async () => {
  const { edition } = await bed.app.services.editions.build('daily', '2026-03-11');
  const profiles = {
    plain: DEFAULT_PREFERENCES,
    keywords: { ...DEFAULT_PREFERENCES, keywords: ['LoRA', 'language model'], maxPapers: 6 },
  };
  for (const [name, preferences] of Object.entries(profiles)) {
    const mail = (await renderPersonalDigest({
      edition,
      preferences,
      recipient,
      renderer: bed.app.services.renderer,
    }))!;
    const file = path.join(ARTIFACTS, `digest-2026-03-11-${name}.html`);
    writeFileSync(file, mail.html);
    writeFileSync(file.replace(/\.html$/, '.txt'), mail.text);
    const expected = selectPapers(edition, preferences);
    for (const width of [375, 800]) {
      const page = await browser.newPage({ viewport: { width, height: 1000 } });
      await page.goto(`file://${file}`);
      const titles = await page.locator('h2 a').allTextContents();
      expect(titles).toEqual(expected.map((s) => s.paper.title));
      const marks = await page.locator('.pb-mark').allTextContents();
      expect(marks).toEqual(expected.filter((s) => s.matched).map((s) => `matches “${s.matched}”`));
      // nothing wider than the screen: no sideways scrolling on a phone
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({
        path: path.join(ARTIFACTS, `digest-2026-03-11-${name}-${width}.png`),
        fullPage: true,
      });
      await page.emulateMedia({ colorScheme: 'dark' });
      const backgrounds = await page.evaluate(() =>
        [document.body, document.querySelector('[role="article"]') as Element].map(
          (el) => getComputedStyle(el).backgroundColor,
        ),
      );
      expect(backgrounds).toEqual(['rgb(11, 18, 32)', 'rgb(11, 18, 32)']);
      await page.screenshot({ path: path.join(ARTIFACTS, `digest-2026-03-11-${name}-${width}-dark.png`) });
      await page.close();
    }
  }
});

it('shows the title with markup characters as text, in the mail and in the archive', async () => {
  const { mail } = await dailyDigest(bed.app, '2026-03-12', recipient);
  const page = await browser.newPage();
  await page.setContent(mail.html);
  const title =
    'Résumé <b>bold</b> & "quoted" — Ünïcode titles survive: LABOR-LLM: Language-Based Occupational Representations with Large Language Models';
  expect(await page.locator('h2 a').allTextContents()).toContain(title);
  expect(await page.locator('h2 b').count()).toBe(0);

  const archive = await bed.app.inject({ method: 'GET', url: '/digests/2026-03-12' });
  await page.setContent(archive.body);
  expect(await page.locator('h2 a').allTextContents()).toContain(title);
  expect(await page.locator('h2 b').count()).toBe(0);

  const feed = await bed.app.inject({ method: 'GET', url: '/feed.xml' });
  const parsed = await page.evaluate((xml) => {
    const doc = new DOMParser().parseFromString(xml, 'application/xml');
    return {
      error: doc.querySelector('parsererror')?.textContent ?? null,
      entries: doc.getElementsByTagName('entry').length,
      titles: Array.from(doc.getElementsByTagNameNS('http://www.w3.org/1999/xhtml', 'a')).map(
        (a) => a.textContent,
      ),
    };
  }, feed.body);
  expect(parsed.error).toBeNull();
  expect(parsed.entries).toBe(2); // 2026-03-11 and 2026-03-12
  expect(parsed.titles).toContain(title);
  await page.close();
});
