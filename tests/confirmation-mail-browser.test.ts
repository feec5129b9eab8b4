import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { confirmationBody } from '../src/subscribers/confirmation-mail.ts';
import { accessibilityFindings, launchChromium } from './helpers/browser.ts';

// The confirmation mail in a real browser, checked by axe-core in light and dark mode: its
// Confirm button was 3.71:1 in dark mode (the dark rule for links recoloured the button's text).

let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
});

it.each([
  ['light', false],
  ['dark', false],
  ['dark', true],
] as const)(
  'has no serious or critical accessibility findings in %s mode (a change: %s)',
  async (scheme, change) => {
    const mail = await confirmationBody({
      email: 'reader@example.org',
      confirmUrl: 'https://paperboy.test/confirm/token',
      preferencesChange: change,
      summary: 'a daily digest at 07:00 (UTC) of up to 10 papers',
      footer: 'You get this mail because someone entered reader@example.org at https://paperboy.test.',
    });
    const page = await browser.newPage({ viewport: { width: 390, height: 900 } });
    await page.emulateMedia({ colorScheme: scheme });
    await page.setContent(mail.html);
    expect(await accessibilityFindings(page)).toEqual([]);
    await page.close();
  },
);
