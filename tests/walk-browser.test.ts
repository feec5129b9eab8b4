/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { checkPage, freePort, launchChromium } from './helpers/browser.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';

// The whole path in a real browser (Debian's Chromium), as a new reader walks it: subscribe on
// the home page, open the confirmation in the outbox and click Confirm inside the mail, change
// preferences, pause, unsubscribe, subscribe again; at phone and desktop widths, in light and dark
// mode, with axe-core on every page and screenshots kept in test-artifacts/.

let database: ScratchDatabase;
let app: App;
let browser: Browser;
let base: string;

beforeAll(async () => {
  database = await createScratchDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await buildApp(testConfig({ DATABASE_URL: database.url, PUBLIC_URL: base }));
  await app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await browser?.close();
  await app?.close();
  await dropUnlessFailed(database, suite);
});

it('shows Subscribe above the fold, at 1280 × 800 and at 390 px', async () => {
  for (const viewport of [
    { width: 1280, height: 800 },
    { width: 390, height: 844 },
  ]) {
    const page = await browser.newPage({ viewport });
    await page.goto(`${base}/`);
    const box = await page.getByRole('button', { name: 'Subscribe' }).boundingBox();
    expect(box && box.y + box.height, `${viewport.width} px`).toBeLessThanOrEqual(viewport.height);
    await page.close();
  }
});

const walks = [390, 1280].flatMap((width) =>
  (['light', 'dark'] as const).map((colorScheme) => ({ width, colorScheme })),
);

it.each(walks)(
  'walks the whole path at $width px in $colorScheme mode: subscribe, confirm from the outbox, change, pause, unsubscribe, come back',
  { timeout: 90_000 },
  async ({ width, colorScheme }) => {
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width, height: 900 },
      colorScheme,
      timezoneId: 'Europe/Paris',
      // axe is injected as an inline script, which the pages' CSP rightly forbids
      bypassCSP: true,
    });
    const page = await context.newPage();
    const findings: string[] = [];
    const step = async (name: string) => {
      for (const finding of await checkPage(page, `walk-${width}-${colorScheme}-${name}`))
        findings.push(`${name}: ${finding}`);
    };
    const email = `walker-${width}-${colorScheme}@example.org`;

    await page.goto(`${base}/`);
    // the browser's time zone is preselected (by the page's own script)
    expect(await page.inputValue('#timezone')).toBe('Europe/Paris');
    await step('home');
    // a refused field: the page comes back at the home page's address, the message in words
    await page.fill('input[name=email]', email);
    await page.locator('summary', { hasText: 'Customise' }).click();
    await page.fill('#keywords', 'see https://evil.example');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForSelector('#form-error');
    expect(page.url()).toBe(`${base}/`);
    expect(await page.textContent('#form-error')).not.toMatch(/^keywords:/i);
    await step('form-error');
    await page.fill('#keywords', '');
    await page.getByRole('button', { name: 'Subscribe' }).click();
    await page.waitForURL(`${base}/subscribed`);
    // the address it went to, and where this relay-less server keeps its mail
    expect(await page.textContent('main')).toContain(email);
    expect(await page.getByRole('link', { name: 'the outbox' }).getAttribute('href')).toBe('/outbox');
    await step('subscribed');
    await app.services.sender.drain();

    await page.goto(`${base}/outbox`);
    await page.getByText('Confirm your Paperboy subscription').first().click();
    await step('outbox-message');
    const [confirmed] = await Promise.all([
      page.waitForEvent('popup'),
      page.frameLocator('iframe').getByRole('link', { name: 'Confirm', exact: true }).click(),
    ]);
    await confirmed.waitForLoadState();
    // the link shows a button; only pressing it confirms (link scanners follow links too)
    await confirmed.getByRole('button', { name: 'Confirm my subscription' }).click();
    await confirmed.waitForSelector('h1:has-text("You are subscribed")');
    const preferences = (await confirmed
      .getByRole('link', { name: 'Change your preferences' })
      .getAttribute('href')) as string;
    await confirmed.close();

    await page.goto(preferences);
    await step('preferences');
    await page.fill('#maxPapers', '7');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForSelector('h1:has-text("Preferences saved")');
    await page.goto(preferences);
    await page.selectOption('#weeks', '2');
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.waitForSelector('h1:has-text("Your digest is paused")');
    await page.goto(preferences);
    await step('paused');
    await page.getByRole('button', { name: 'Resume now' }).click();
    await page.waitForSelector('h1:has-text("Your digest is back")');

    await page.goto(preferences);
    await page.getByRole('link', { name: 'Unsubscribe' }).click();
    await step('unsubscribe');
    await page.getByRole('button', { name: 'Unsubscribe' }).click();
    await page.waitForSelector('h1:has-text("You are unsubscribed")');
    // the way back is offered at once, as one button
    expect(await page.getByRole('button', { name: 'Subscribe again' }).count()).toBe(1);
    await step('unsubscribed');
    await page.goto(preferences);
    await step('unsubscribed-preferences');
    await page.getByRole('button', { name: 'Subscribe again' }).click();
    await page.waitForSelector('h1:has-text("You are subscribed again")');
    const subscriber = await app.services.subscribers.findByEmail(email);
    expect(subscriber).toMatchObject({ status: 'active', pausedUntil: null });
    expect(subscriber?.preferences).toMatchObject({ maxPapers: 7, timezone: 'Europe/Paris' });

    // their own data: download it, then delete themselves, both at once
    await page.goto(preferences);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download everything Paperboy stores about you' }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
    expect(exported.subscriber).toMatchObject({ email, max_papers: 7 });
    expect(exported.history.map((e: { event: string }) => e.event)).toContain('unsubscribed');
    await page.getByLabel('Delete my address').check();
    await page.getByRole('button', { name: 'Delete me' }).click();
    await page.waitForSelector('h1:has-text("Your data is deleted")');
    await step('deleted');
    expect(await app.services.subscribers.findByEmail(email)).toBeUndefined();
    await page.goto(preferences);
    expect(await page.textContent('h1')).toContain('This link is not valid');
    expect(findings).toEqual([]);
    await context.close();
  },
);

it('confirms from the Confirm button of the mail in the outbox, and fits a 390 px screen', {
  timeout: 60_000,
}, async () => {
  const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await page.goto(`${base}/`);
  await page.fill('input[name=email]', 'reader@example.org');
  await page.locator('form button[type=submit], form button').first().click();
  await page.waitForURL(`${base}/subscribed`);
  await app.services.sender.drain();

  await page.goto(`${base}/outbox`);
  await page.getByText('Confirm your Paperboy subscription').first().click();
  const fits = await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
  expect(fits).toBe(true);
  // the button opens its link in a new tab, as it would from a mail client
  const mail = page.frameLocator('iframe');
  const [confirmed] = await Promise.all([
    page.waitForEvent('popup'),
    mail.getByRole('link', { name: 'Confirm', exact: true }).click(),
  ]);
  await confirmed.waitForLoadState();
  expect(confirmed.url()).toMatch(/\/confirm\//);
  await confirmed.getByRole('button', { name: 'Confirm my subscription' }).click();
  await confirmed.waitForSelector('h1:has-text("You are subscribed")');
});
