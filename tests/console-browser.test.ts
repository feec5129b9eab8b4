/// <reference lib="dom" />
import { readFileSync } from 'node:fs';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type App, buildApp } from '../src/http/app.ts';
import { testConfig } from './helpers/app.ts';
import { checkPage, freePort, launchChromium } from './helpers/browser.ts';
import { ingestFixtures } from './helpers/digest-fixtures.ts';
import { dropUnlessFailed } from './helpers/keep-failed-database.ts';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database.ts';

// The operator console in a real browser: sign in, every page, a data request answered (export,
// then erase), an edition built and previewed, a day ingested again; at phone and desktop widths,
// light and dark, with axe-core on every page and screenshots kept in test-artifacts/.

const ADMIN_TOKEN = 'console-token-0123456789abcdef';
let database: ScratchDatabase;
let app: App;
let browser: Browser;
let base: string;

beforeAll(async () => {
  database = await createScratchDatabase();
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  app = await buildApp(testConfig({ DATABASE_URL: database.url, PUBLIC_URL: base, ADMIN_TOKEN }));
  await ingestFixtures(app.services.db.pool);
  await app.listen({ port, host: '127.0.0.1' });
  browser = await launchChromium();
});

// biome-ignore lint/correctness/noEmptyPattern: vitest passes hooks the suite second and reads fixtures from the first argument's pattern
afterAll(async ({}, suite) => {
  await browser?.close();
  await app?.close();
  await dropUnlessFailed(database, suite);
});

const walks = [390, 1280].flatMap((width) =>
  (['light', 'dark'] as const).map((colorScheme) => ({ width, colorScheme })),
);

it.each(walks)(
  'runs the list from the console at $width px in $colorScheme mode: sign in, dashboard, a data request, an edition, an ingest',
  { timeout: 120_000 },
  async ({ width, colorScheme }) => {
    const email = `member-${width}-${colorScheme}@example.org`;
    await app.services.subscribers.subscribe({ email, keywords: ['agents'] });
    const context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width, height: 900 },
      colorScheme,
      bypassCSP: true,
    });
    const page = await context.newPage();
    const findings: string[] = [];
    const step = async (name: string) => {
      for (const finding of await checkPage(page, `console-${width}-${colorScheme}-${name}`))
        findings.push(`${name}: ${finding}`);
    };

    await page.goto(`${base}/admin/subscribers`);
    await page.waitForURL(/\/admin\/sign-in/);
    await step('sign-in');
    await page.fill('#token', 'not the token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    expect(await page.textContent('.pb-error')).toContain('not the ADMIN_TOKEN');
    await page.fill('#token', ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    // back where the operator was going
    await page.waitForURL(`${base}/admin/subscribers`);

    await page.goto(`${base}/admin`);
    expect(await page.locator('svg.pb-chart').count()).toBeGreaterThan(0);
    await step('dashboard');

    // a data request in two clicks from the subscriber's page: export, erase
    await page.goto(`${base}/admin/subscribers`);
    await page.fill('#q', email.split('@')[0] as string);
    await page.getByRole('button', { name: 'Search' }).click();
    await step('subscribers');
    await page.getByRole('link', { name: email }).click();
    await step('subscriber');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Export (JSON)' }).click(),
    ]);
    const exported = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
    expect(exported.subscriber.email).toBe(email);
    await page.getByRole('button', { name: 'Resend confirmation' }).click();
    expect(await page.textContent('[role=status]')).toContain('A new confirmation is on its way');
    await page.getByRole('checkbox', { name: /Erase/ }).check();
    await page.getByRole('button', { name: 'Erase', exact: true }).click();
    expect(await page.textContent('[role=status]')).toContain('erased');
    expect(await app.services.subscribers.findByEmail(email)).toBeUndefined();

    // a list imported by upload, with the CLI's report: every bad row named by its line
    await page.goto(`${base}/admin/subscribers/import`);
    await step('import');
    const imported = `imported-${width}-${colorScheme}@example.org`;
    await page.setInputFiles('#file', {
      name: 'list.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(`email,frequency,delivery_hour\n${imported},weekly,9\nnot-an-address,daily,7\n`),
    });
    await page.getByRole('checkbox', { name: /opted in/ }).check();
    await page.getByRole('button', { name: 'Import' }).click();
    expect(await page.textContent('[role=status]')).toContain('2 rows: 1 added');
    expect(await page.textContent('table')).toMatch(/3\s*email/);
    await step('import-report');
    expect((await app.services.subscribers.findByEmail(imported))?.preferences.deliveryHour).toBe(9);

    await page.goto(`${base}/admin/editions`);
    await page.fill('#edition-date', '2026-03-11');
    await page.getByRole('button', { name: 'Build', exact: true }).click();
    expect(await page.textContent('[role=status]')).toContain('The edition is built');
    await step('editions');
    await page.getByRole('link', { name: 'Preview' }).first().click();
    await page.frameLocator('iframe').locator('body').waitFor();
    await step('edition-preview');

    // a test of the edition to the operator's own address, outside the ledger
    // an address the browser's own check lets through, and Paperboy's rule does not: one label
    await page.fill('#test-to', 'operator@localhost');
    await page.getByRole('button', { name: 'Send a test' }).click();
    expect(await page.textContent('#test-error')).toContain('address to send to');
    const operator = `operator-${width}-${colorScheme}@example.org`;
    await page.fill('#test-to', operator);
    await page.getByRole('button', { name: 'Send a test' }).click();
    expect(await page.textContent('[role=status]')).toContain('on its way');
    await step('edition-test-sent');
    const outbox = await (await fetch(`${base}/outbox`)).text();
    expect(outbox).toContain(operator);
    expect(outbox).toContain('[test]');

    await page.goto(`${base}/admin/ingests`);
    await page.fill('#ingest-date', '2026-07-28');
    await page.selectOption('#ingest-source', 'sample');
    await page.getByRole('button', { name: 'Ingest this day again' }).click();
    expect(await page.textContent('[role=status]')).toContain('ingested');
    expect(await page.textContent('table')).toContain('2026-07-28');
    await step('ingests');

    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.waitForURL(/\/admin\/sign-in/);
    await page.goto(`${base}/admin`);
    await page.waitForURL(/\/admin\/sign-in/);
    expect(findings).toEqual([]);
    await context.close();
  },
);
