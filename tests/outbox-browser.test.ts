/// <reference lib="dom" />
import { existsSync } from 'node:fs';
import net from 'node:net';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createScratchDatabase, type ScratchDatabase } from '../src/db/scratch-database.ts';
import { type App, buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';

// The demo path in a real browser (Debian's Chromium): subscribe, open the confirmation in the
// outbox, and click Confirm inside the mail, as a reader would in their mail client.

const CHROMIUM = '/usr/bin/chromium';
let database: ScratchDatabase;
let app: App;
let browser: Browser;
let base: string;

/** A port free right now, so the app's PUBLIC_URL (the links in its mail) can point at itself. */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  database = await createScratchDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await buildApp(testConfig({ DATABASE_URL: database.url, PUBLIC_URL: base }));
  await app.listen({ port, host: '127.0.0.1' });
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu'],
  });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await database?.drop();
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
  expect(await confirmed.textContent('h1')).toContain('You are subscribed');
});
